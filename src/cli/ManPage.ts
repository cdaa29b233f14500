// dockless(8), written from the same command list that gives `--help` and the bash completion
// (commands.ts, Argv.ts), so the man page the Debian package ships never drifts from the CLI.
// Only the packaging script calls it (scripts/package-deb.mjs); the daemon never loads it.
import { globalOptions, type CommandSpec, type OptionSpec } from "./Argv.ts"

/** Text made safe for roff: backslashes, leading dots and quotes, hyphens as minus signs. */
const roff = (text: string): string =>
  text
    .replaceAll("\\", "\\e")
    .replaceAll("-", "\\-")
    .replace(/^([.'])/gm, "\\&$1")

const optionItem = (name: string, o: OptionSpec): ReadonlyArray<string> => [
  ".TP",
  `${o.short === undefined ? "" : `\\fB\\-${o.short}\\fR, `}\\fB\\-\\-${roff(name)}\\fR${
    o.value === undefined ? "" : ` \\fI${roff(o.value)}\\fR`
  }`,
  roff(o.description),
]

const commandItem = (c: CommandSpec): ReadonlyArray<string> => [
  ".TP",
  `\\fBdockless ${roff(c.name)}\\fR${c.args === "" ? "" : ` \\fI${roff(c.args)}\\fR`}`,
  roff(c.summary),
  ...Object.entries(c.options).flatMap(([name, o]) => [".RS", ...optionItem(name, o), ".RE"]),
]

export interface ManPageFacts {
  readonly version: string
  /** The release date, as `YYYY-MM-DD`. */
  readonly date: string
}

/** The roff source of dockless(8). */
export const manPage = (commands: ReadonlyArray<CommandSpec>, { version, date }: ManPageFacts): string =>
  [
    `.TH DOCKLESS 8 "${date}" "dockless ${roff(version)}" "System Administration"`,
    ".SH NAME",
    "dockless \\- a single\\-node supervisor for host binaries, with a web dashboard",
    ".SH SYNOPSIS",
    ".B dockless",
    "[\\fICOMMAND\\fR] [\\fIOPTIONS\\fR] [\\fB\\-\\-config\\fR \\fIPATH\\fR]",
    ".br",
    ".B dockless \\-\\-version",
    "|",
    ".B \\-\\-help",
    ".SH DESCRIPTION",
    "Dockless runs as a systemd service (\\fBdockless.service\\fR) and supervises host binaries",
    "directly: it loads \\fI/etc/dockless/config.toml\\fR, restores the services registered",
    "through its API, starts them, restarts them by policy, captures their output, keeps their",
    "ports from colliding, and serves a web dashboard on \\fBlisten_port\\fR (default 3080).",
    "Without a command, \\fBdockless\\fR runs the daemon in the foreground.",
    ".SH COMMANDS",
    ...commands.flatMap(commandItem),
    ".SH OPTIONS",
    "Every command takes these:",
    ...Object.entries(globalOptions).flatMap(([name, o]) => optionItem(name, o)),
    ".TP",
    "\\fB\\-V\\fR, \\fB\\-\\-version\\fR",
    "print the version and the commit it was built from",
    ".SH FILES",
    ".TP",
    ".I /etc/dockless/config.toml",
    "the configuration (a conffile of the Debian package); its JSON Schema is beside it",
    ".TP",
    ".I /etc/dockless/data",
    "services registered through the API, desired states, the API token, captured logs",
    ".TP",
    ".I /lib/systemd/system/dockless.service",
    "the unit of the Debian package (\\fBdockless install\\fR writes /etc/systemd/system/dockless.service)",
    ".SH ENVIRONMENT",
    ".TP",
    ".B DOCKLESS_CONFIG",
    "the config file, when \\fB\\-\\-config\\fR is not given",
    ".SH EXIT STATUS",
    "0 on success; 1 on an error (the daemon unreachable, a failed install); 2 for a usage error or",
    "an invalid config; 3 for an unknown service.",
    ".SH SEE ALSO",
    "\\fBsystemctl\\fR(1), \\fBjournalctl\\fR(1); \\fI/usr/share/doc/dockless/README.md.gz\\fR",
    "",
  ].join("\n")
