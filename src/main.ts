// Entry point. First of all, `dockless run` sets when V8 optimizes (os/TierUp.ts, evaluated on
// import, before anything else runs); then it may re-execute itself with glibc tuned
// (os/MallocTuning.ts); then the command line runs (cli/Program.ts), imported only now so that
// the re-execution happens before its modules are compiled.
import "./os/TierUp.ts"
import { tuneMalloc } from "./os/MallocTuning.ts"

tuneMalloc(process.argv)
void import("./cli/Program.ts")
