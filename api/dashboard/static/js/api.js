// Calls to the hrhx API with the signed-in bearer token; errors become ApiError with the
// problem details (RFC 9457) the API answers with.

const TOKEN_KEY = "hrhx.token";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

async function request(method, path, { body, form, raw, version } = {}) {
  const headers = { Accept: "application/json" };
  if (version !== undefined && version !== null) headers["If-Match"] = `"${version}"`;
  const value = token.get();
  if (value) headers.Authorization = `Bearer ${value}`;
  let payload;
  if (form) {
    payload = form;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const response = await fetch(path, { method, headers, body: payload, cache: "no-store" });
  if (!response.ok) {
    let problem = null;
    try {
      problem = await response.json();
    } catch {
      problem = { title: response.statusText };
    }
    throw new ApiError(response.status, problem);
  }
  if (raw) return response;
  if (response.status === 204) return null;
  return response.json();
}

export const api = {
  get: (path) => request("GET", path),
  post: (path, body) => request("POST", path, { body }),
  /** PATCH, PUT and DELETE send `If-Match: "<version>"`: a stale version is a 412. */
  patch: (path, body, version) => request("PATCH", path, { body, version }),
  put: (path, body, version) => request("PUT", path, { body, version }),
  del: (path, version) => request("DELETE", path, { version }),
  upload: (path, form) => request("POST", path, { form }),
  blob: (path) => request("GET", path, { raw: true }),
};

/** GET a paginated list (`{data, count}`) completely, page by page. */
export async function getAll(path, pageSize = 500) {
  const out = [];
  const sep = path.includes("?") ? "&" : "?";
  for (let offset = 0; ; offset += pageSize) {
    const page = await api.get(`${path}${sep}limit=${pageSize}&offset=${offset}`);
    out.push(...page.data);
    if (page.data.length === 0 || out.length >= page.count) return out;
  }
}

/** The result of a call, or `fallback` when it fails with one of `statuses` (e.g. 403, 404). */
export async function optional(promise, fallback = null, statuses = [403, 404]) {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof ApiError && statuses.includes(error.status)) return fallback;
    throw error;
  }
}

/**
 * Read a server-sent event stream (GET) with the bearer token, calling `onEvent(kind, data)` for
 * each event until the server ends it or `signal` aborts. EventSource cannot send an
 * Authorization header, so the stream is read with fetch.
 */
export async function stream(path, onEvent, signal) {
  const headers = { Accept: "text/event-stream" };
  const value = token.get();
  if (value) headers.Authorization = `Bearer ${value}`;
  const response = await fetch(path, { headers, signal, cache: "no-store" });
  if (!response.ok) {
    let problem = null;
    try {
      problem = await response.json();
    } catch {
      problem = { title: response.statusText };
    }
    throw new ApiError(response.status, problem);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value: chunk, done } = await reader.read();
    if (done) return;
    buffer += chunk.replaceAll("\r\n", "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let kind = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) kind = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length) onEvent(kind, JSON.parse(data.join("\n")));
    }
  }
}
