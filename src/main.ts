// Entry point. Before anything big is loaded, `dockless run` may re-execute itself with glibc
// tuned (os/MallocTuning.ts); then the command line runs (cli/Program.ts), imported only now so
// that the re-execution happens before its modules are compiled.
import { tuneMalloc } from "./os/MallocTuning.ts"

tuneMalloc(process.argv)
void import("./cli/Program.ts")
