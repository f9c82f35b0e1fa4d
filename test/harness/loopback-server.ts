/**
 * What the end-to-end stubs (the OpenAI-compatible gateway, the OTLP
 * receiver) share: an HTTP server on a free loopback port, each request's body
 * read whole, and a stop that is safe when the server never started (a skipped
 * suite's `after` hook calls it too).
 */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export abstract class LoopbackServer {
    private server?: Server;

    /** `http://127.0.0.1:<port>`, once started. */
    protected get origin(): string {
        return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    }

    /** Listens on a free loopback port, handing each request to `handle` with its body. */
    protected async listen(handle: (req: IncomingMessage, body: string, res: ServerResponse) => void | Promise<void>): Promise<void> {
        this.server = createServer(async (req, res) => {
            const chunks: Buffer[] = [];
            for await (const chunk of req) chunks.push(chunk as Buffer);
            await handle(req, Buffer.concat(chunks).toString("utf8"), res);
        });
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    }

    /** Stops the server; a no-op when it never started. */
    async stop(): Promise<void> {
        const server = this.server;
        if (!server) return;
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
    }
}
