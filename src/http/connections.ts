/**
 * Connection deadlines and the per-address connection cap: what keeps slow or idle clients
 * (slowloris, trickled bodies, sockets opened and left silent) from holding Pixie's sockets.
 *
 * - headersTimeout: all request headers must arrive within it (also a fresh connection that sends nothing);
 * - requestTimeout: the whole request, body included;
 * - keepAliveTimeout: an idle connection between requests;
 * - idleTimeout: any socket silent that long, whatever it is doing.
 * Node checks the first two every `connectionsCheckingInterval`; the default (30 s) would make a
 * 10 s deadline a 40 s one, so it follows the deadlines.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from '../config/schema.js';

type Deadlines = Pick<Config, 'headersTimeout' | 'requestTimeout' | 'keepAliveTimeout' | 'idleTimeout'>;

/** The Fastify options that carry the deadlines (`https` merges them into the TLS options). */
export function serverOptions(config: Deadlines, https: object | null | undefined): Record<string, unknown> {
  const node = {
    headersTimeout: config.headersTimeout,
    requestTimeout: config.requestTimeout,
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(config.headersTimeout / 4))),
  };
  return {
    connectionTimeout: config.idleTimeout,
    keepAliveTimeout: config.keepAliveTimeout,
    requestTimeout: config.requestTimeout,
    ...(https ? { https: { ...https, ...node } } : { http: node }),
  };
}

export interface Connections {
  readonly open: number;
  /** Destroy every open socket (the end of a shutdown's grace period). */
  destroyAll(): void;
}

const registry = new WeakMap<object, Connections>();

/**
 * Tracks the server's sockets and refuses (closes at once) a connection from an address that
 * already has `maxPerIp` open; 0 turns the cap off (behind a reverse proxy every connection
 * comes from the proxy's address).
 */
export function trackConnections(server: Server, maxPerIp: number): Connections {
  const sockets = new Set<Socket>();
  const perIp = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const ip = socket.remoteAddress ?? '';
    const count = (perIp.get(ip) ?? 0) + 1;
    if (maxPerIp > 0 && count > maxPerIp) {
      socket.destroy();
      return;
    }
    perIp.set(ip, count);
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left > 0) perIp.set(ip, left);
      else perIp.delete(ip);
    });
  });
  const connections: Connections = {
    get open() { return sockets.size; },
    destroyAll() { for (const s of sockets) s.destroy(); },
  };
  registry.set(server, connections);
  return connections;
}

/** The tracker of a server built by buildApp. */
export function connectionsOf(server: object): Connections | null {
  return registry.get(server) ?? null;
}
