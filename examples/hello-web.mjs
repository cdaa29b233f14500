// Demo service: a tiny web server on $PORT (default 8081) that logs every request.
import { createServer } from "node:http"

const port = Number(process.env.PORT ?? 8081)
createServer((req, res) => {
  console.log(`${req.method} ${req.url}`)
  res.end(req.url === "/healthz" ? "ok\n" : "hello from a service supervised by dockless\n")
}).listen(port, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${port}`))
process.on("SIGTERM", () => {
  console.log("got SIGTERM, closing")
  process.exit(0)
})
