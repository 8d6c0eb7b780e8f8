import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { parseReal } from "../../app/parse.js";
import { InputError, show } from "../../core/errors.js";
import { resolveInside } from "../../node/files.js";
import { emit } from "../shared.js";

/** The built explorer page (`npm run build` writes it). */
export const SITE_DIR = fileURLToPath(new URL("../../../dist/web", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
};

// The page runs only its own scripts; Plot writes inline style attributes; downloads use blob: URLs.
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; " +
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/**
 * A static file server for the built site: GET and HEAD only, `/` serves index.html. Paths are
 * confined to `dir` after resolving every link: a link that leads out of it is refused (403), so the
 * folder never serves more than its own files. Resolves once listening; port 0 picks a free port (read
 * it from the returned URL).
 */
export function startServer(options: { dir: string; port: number; host: string }): Promise<{
  server: Server;
  url: string;
}> {
  if (!existsSync(join(resolve(options.dir), "index.html"))) {
    throw new InputError("--dir", `no site in ${show(resolve(options.dir))}: run npm run build first`);
  }
  const root = realpathSync(resolve(options.dir));
  const server = createServer((req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const target = siteFile(root, normalize(path));
    if (target === "outside") {
      res.writeHead(403, { "content-type": "text/plain; charset=utf-8" }).end("forbidden\n");
      return;
    }
    if (target === undefined) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
      return;
    }
    const body = readFileSync(target);
    res.writeHead(200, {
      "content-type": TYPES[extname(target).toLowerCase()] ?? "application/octet-stream",
      "content-length": body.length,
      // Hashed assets never change; the page itself is always revalidated.
      "cache-control": target.includes(`${sep}assets${sep}`)
        ? "public, max-age=31536000, immutable"
        : "no-cache",
      ...SECURITY_HEADERS,
    });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  return new Promise((resolvePromise, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EADDRINUSE") {
        reject(new InputError("--port", `port ${options.port} is in use on ${options.host}; choose another`));
      } else if (e.code === "EADDRNOTAVAIL" || e.code === "ENOTFOUND" || e.code === "EACCES") {
        reject(new InputError(e.code === "EACCES" ? "--port" : "--host", `cannot listen there (${e.code})`));
      } else reject(e);
    });
    server.listen(options.port, options.host, () => {
      const { port } = server.address() as AddressInfo;
      const host = options.host.includes(":") ? `[${options.host}]` : options.host;
      resolvePromise({ server, url: `http://${host}:${port}/` });
    });
  });
}

/**
 * The real path of the file a request names in the site at `root` (a folder names its index.html),
 * "outside" when it or a link on the way leads out of the root, undefined when there is no such file.
 */
function siteFile(root: string, path: string): string | "outside" | undefined {
  let found = resolveInside(root, path);
  try {
    if (typeof found === "object" && statSync(found.path).isDirectory()) {
      found = resolveInside(root, join(relative(root, found.path), "index.html"));
    }
    if (typeof found === "object") return statSync(found.path).isFile() ? found.path : undefined;
  } catch {
    return undefined; // gone since it was resolved
  }
  return found;
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("serve the explorer page (built by npm run build) on this machine")
    .option("--port <P>", "port (0: any free port)", "4173")
    .option("--host <H>", "address to listen on (0.0.0.0 exposes the page to the network)", "127.0.0.1")
    .option("--dir <folder>", "the built site (default: this package's dist/web)")
    .action(async (opts: { port: string; host: string; dir?: string }) => {
      const dir = opts.dir ?? SITE_DIR;
      const port = parseReal(opts.port, "--port");
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new InputError("--port", `expected a whole number from 0 to 65535, got ${show(opts.port)}`);
      }
      if (!existsSync(resolve(dir, "index.html"))) {
        throw new InputError(
          opts.dir === undefined ? "serve" : "--dir",
          `no built site in ${show(opts.dir ?? "dist/web")}: run npm run build first`,
        );
      }
      const { url } = await startServer({ dir, port, host: opts.host });
      emit(url);
      process.stderr.write("bonkl: serving the explorer; press Ctrl-C to stop\n");
    });
}
