// The better-sse peer of the load comparison in docs/BENCHMARKS.md, on Node's own http module.
//
// GET /stream opens a stream registered on one channel; POST /broadcast takes one JSON object
// and broadcasts it to every stream as the data of a `bench.tick` event, then answers 202.
// PORT sets the port (default 8003); the server listens on 127.0.0.1 only.
import http from "node:http";
import { createChannel, createSession } from "better-sse";

const MAX_BODY_BYTES = 1024 * 1024;
const port = Number(process.env.PORT ?? "8003");
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`PORT is ${process.env.PORT} (expected: an integer from 1 to 65535)`);
  process.exit(2);
}

const channel = createChannel();
let nextEventId = 0;

async function openStream(req, res) {
  const session = await createSession(req, res);
  channel.register(session);
}

function broadcast(req, res) {
  const chunks = [];
  let size = 0;
  req.on("data", (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      res.writeHead(413, { "Content-Type": "text/plain" }).end(`body exceeds ${MAX_BODY_BYTES} bytes\n`);
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on("end", () => {
    let event;
    try {
      event = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch (e) {
      res.writeHead(400, { "Content-Type": "text/plain" }).end(`body is not valid JSON: ${e.message}\n`);
      return;
    }
    nextEventId++;
    channel.broadcast(event, "bench.tick", { eventId: String(nextEventId) });
    res.writeHead(202).end();
  });
}

const server = http.createServer((req, res) => {
  if (req.method === "GET" && req.url === "/stream") {
    openStream(req, res).catch((e) => {
      console.error(`cannot open a stream: ${e.message}`);
      res.destroy();
    });
  } else if (req.method === "POST" && req.url === "/broadcast") {
    broadcast(req, res);
  } else {
    res.writeHead(404, { "Content-Type": "text/plain" }).end("not found: use GET /stream or POST /broadcast\n");
  }
});
// Streams stay open for the whole run; Node's default request timeout would cut them.
server.requestTimeout = 0;
server.listen(port, "127.0.0.1", () => {
  console.log(`better-sse peer listening on http://127.0.0.1:${port}`);
});
process.on("SIGTERM", () => process.exit(0));
