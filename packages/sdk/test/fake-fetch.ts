/** A scripted `fetch` for SDK tests: each call takes the next answer (a Response, a thrown error, or a function of the request). */
export type Answer = Response | Error | ((url: string, init: RequestInit) => Response | Promise<Response>);

export interface FakeFetch {
  fetch: typeof globalThis.fetch;
  calls: { url: string; init: RequestInit }[];
}

export function fakeFetch(...answers: Answer[]): FakeFetch {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = String(input);
    calls.push({ url, init });
    const answer = answers.length > 1 ? answers.shift()! : answers[0];
    if (answer === undefined) throw new Error('no answer scripted');
    if (answer instanceof Error) throw answer;
    return typeof answer === 'function' ? answer(url, init) : answer.clone();
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

export const apiError = (status: number, code: string, message = code, headers: Record<string, string> = {}): Response =>
  json(status, { error: { code, message } }, headers);

/** What undici's fetch throws when the connection fails: `TypeError: fetch failed` over the system error. */
export function networkError(code: string): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ${code}`), { code }) });
}
