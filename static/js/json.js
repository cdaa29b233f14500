// Parsing the JSON of a server-sent event: a malformed payload becomes null instead of an
// exception, so one bad event never breaks an EventSource listener.

export function safeParse(text) {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}
