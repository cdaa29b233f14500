// Every limit the HTTP server enforces, in one place. They keep the dashboard and the API
// answering (and the daemon's file descriptors free for its services) when clients are slow,
// stuck or too many. None is a config key yet (proposed: [http] headers_timeout,
// request_timeout, keep_alive_timeout, max_connections, max_event_streams, max_body).

/**
 * A connection must send a request's headers within this time of opening (or of the answer to
 * its previous request), or it is cut off (408, closed): a client trickling 1 byte every 5 s
 * is caught, since data does not reset it (RequestDeadlines.ts).
 */
export const HEADERS_TIMEOUT_MS = 10_000
/**
 * A request's body must be in within this time of its headers. Bodies are at most BODY_LIMIT,
 * so a body that stalls or trickles is cut off; a response is never timed, so event streams
 * stay open.
 */
export const REQUEST_TIMEOUT_MS = 10_000
/** An idle keep-alive connection is closed after this, plus the 1 s Node adds (its default, stated). */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000

/** Concurrent connections served; the request of one more is answered 503 and it is closed. */
export const MAX_CONNECTIONS = 256
/**
 * Past this many, a connection is closed as it is accepted, without an answer: a flood must
 * not take the file descriptors that services' pipes and logs need (the usual soft limit is 1024).
 */
export const HARD_CONNECTION_LIMIT = 2 * MAX_CONNECTIONS
/** Open Server-Sent Event streams (/api/events and log streams together); one more gets 503. */
export const MAX_EVENT_STREAMS = 64

/** The largest request body read (413 beyond). */
export const BODY_LIMIT = 64 * 1024

/** Seconds a client refused for being one too many should wait: others come and go quickly. */
export const RETRY_AFTER_S = "5"

/** Node's connection checker cannot be turned off; this interval (the longest a timer takes) is as good. */
const NEVER_MS = 2 ** 31 - 1

/**
 * Options of every node:http / node:https server. Node's own request timeouts are off (their
 * checker wakes the daemon every interval for ever): RequestDeadlines times requests, never responses.
 */
export const NODE_SERVER_OPTIONS = {
  headersTimeout: 0,
  requestTimeout: 0,
  connectionsCheckingInterval: NEVER_MS,
  keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
}
