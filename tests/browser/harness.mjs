// Small helpers for run.mjs: free ports and waiting for the server.
import dgram from 'node:dgram';
import net from 'node:net';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function tcpFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}
function udpFree(port) {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => { s.close(); resolve(false); });
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

// A port free for TCP and UDP (SIP listens on both), with its neighbour free too.
export async function freePort() {
  for (let i = 0; i < 200; i++) {
    const port = 40000 + 2 * Math.floor(Math.random() * 5000);
    if ((await tcpFree(port)) && (await udpFree(port)) && (await tcpFree(port + 1)) && (await udpFree(port + 1))) return port;
  }
  throw new Error('no free port');
}

export async function waitHealthy(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return;
    } catch (e) { /* not up yet */ }
    await sleep(100);
  }
  throw new Error('callbackd did not become healthy at ' + url);
}
