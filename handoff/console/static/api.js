// The agent REST API (handoff/API.md): JSON in, JSON out, errors as ApiError with the hub's message.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function createApi({ token, onUnauthorized }) {
  async function request(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const current = token();
    if (current) headers.Authorization = `Bearer ${current}`;
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError(0, 'network', 'Cannot reach ShopDesk. Check your connection and try again.');
    }
    if (response.status === 204) return null;
    const data = await response.json().catch(() => null);
    if (response.ok) return data;
    const error = data?.error ?? {};
    const failure = new ApiError(response.status, error.code ?? 'error',
      error.message ?? `The request failed (HTTP ${response.status}).`);
    failure.data = data;
    if (response.status === 401 && current) onUnauthorized(failure);
    throw failure;
  }

  return {
    get: (path) => request('GET', path),
    post: (path, body = {}) => request('POST', path, body),
    put: (path, body) => request('PUT', path, body),
    patch: (path, body) => request('PATCH', path, body),
    delete: (path) => request('DELETE', path),
  };
}
