import type { Socket } from 'node:net';
import { ApiError, errorBody } from './api-error.js';

/**
 * Node's HTTP parser refuses some requests before fastify sees them: a request line and headers
 * over 16 KiB (a URL with a huge cursor or query), bytes that are not HTTP, a client too slow to
 * send its request. fastify's default answer has its own shape; this one has ours.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  const api = answerTo(error.code);
  // A reset connection has no one left to answer.
  if (api === null || socket.destroyed) return;
  if (socket.writable) {
    const body = JSON.stringify(errorBody(api));
    socket.write(
      `HTTP/1.1 ${api.statusCode} ${STATUS_TEXT[api.statusCode]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

function answerTo(code: string | undefined): ApiError | null {
  switch (code) {
    case 'ECONNRESET':
      return null;
    case 'HPE_HEADER_OVERFLOW':
      return new ApiError('HEADERS_TOO_LARGE', 'the request line and headers exceed 16 KiB; send long values in a body, or shorter ones');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ApiError('REQUEST_TIMEOUT', 'the request was not received in time');
    default:
      return new ApiError('INVALID_REQUEST', 'the request is not valid HTTP/1.1');
  }
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };
