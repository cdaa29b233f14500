// `dockless completion bash`: a bash completion script written from the command list, so it
// completes exactly the commands and options the parser takes; service names come from
// `dockless status` (the running daemon) with the `--config` typed on the line, schema kinds
// and shells from the list. The command is the first word that is neither an option nor the
// value of one (`dockless --config X start <Tab>` completes start's service names).
import type { CommandSpec } from "./Argv.ts"
import { globalOptions } from "./Argv.ts"

export const shells: ReadonlyArray<string> = ["bash"]

const optionWords = (c: CommandSpec) =>
  Object.entries({ ...c.options, ...globalOptions }).flatMap(([name, o]) =>
    o.short === undefined ? [`--${name}`] : [`--${name}`, `-${o.short}`],
  )

/** `--config|--root)` → what completes their value. */
const valueCases = (commands: ReadonlyArray<CommandSpec>) => {
  const byKind = new Map<string, Set<string>>()
  for (const c of commands)
    for (const [name, o] of Object.entries({ ...c.options, ...globalOptions })) {
      if (o.type !== "string") continue
      const words = byKind.get(o.complete ?? "none") ?? new Set<string>()
      words.add(`--${name}`)
      if (o.short !== undefined) words.add(`-${o.short}`)
      byKind.set(o.complete ?? "none", words)
    }
  const action: Record<string, string> = {
    file: `COMPREPLY=($(compgen -f -- "$cur")); return`,
    directory: `COMPREPLY=($(compgen -d -- "$cur")); return`,
    none: "return",
  }
  return [...byKind].map(([kind, words]) => `    ${[...words].join("|")}) ${action[kind] ?? "return"} ;;`)
}

/** `--root|--lines|-n`: the options (but --config) whose next word is their value, not a command. */
const valueOptions = (commands: ReadonlyArray<CommandSpec>) => {
  const words = new Set<string>()
  for (const c of commands)
    for (const [name, o] of Object.entries({ ...c.options, ...globalOptions })) {
      if (o.type !== "string" || name === "config") continue
      words.add(`--${name}`)
      if (o.short !== undefined) words.add(`-${o.short}`)
    }
  return [...words].join("|")
}

const positionalCase = (c: CommandSpec) => {
  if (c.complete === undefined) return `    ${c.name}) words="" ;;`
  if (c.complete === "services") return `    ${c.name}) words="$(_dockless_services "$config")" ;;`
  return `    ${c.name}) words="${c.complete.join(" ")}" ;;`
}

export const bashCompletion = (commands: ReadonlyArray<CommandSpec>): string =>
  `# bash completion for dockless; load it with: source <(dockless completion bash)
_dockless_services() {
  # The NAME column of \`dockless status\` (of the daemon the line's --config names), up to
  # the blank line before any errors.
  if [[ -n "$1" ]]; then
    dockless status --config "$1" 2>/dev/null
  else
    dockless status 2>/dev/null
  fi | awk 'NR > 1 { if ($0 == "") exit; print $1 }'
}

_dockless() {
  local cur prev cmd config i words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
${valueCases(commands).join("\n")}
  esac
  cmd=""
  config=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      --config) config="\${COMP_WORDS[i+1]}"; ((i++)) ;;
      --config=*) config="\${COMP_WORDS[i]#--config=}" ;;
      ${valueOptions(commands)}) ((i++)) ;;
      -*) ;;
      *) [[ -z "$cmd" ]] && cmd="\${COMP_WORDS[i]}" ;;
    esac
  done
  config="\${config/#\\~/$HOME}"
  if [[ -z "$cmd" ]]; then
    COMPREPLY=($(compgen -W "${commands.map((c) => c.name).join(" ")} help --help --version" -- "$cur"))
    return
  fi
  if [[ "$cur" == -* ]]; then
    case "$cmd" in
${commands.map((c) => `      ${c.name}) words="${optionWords(c).join(" ")}" ;;`).join("\n")}
      *) words="" ;;
    esac
  else
    case "$cmd" in
${commands.map(positionalCase).join("\n")}
      help) words="${commands.map((c) => c.name).join(" ")}" ;;
      *) words="" ;;
    esac
  fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _dockless dockless`
