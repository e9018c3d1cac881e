/** The cookies a browser keeps for the app, by name: what the tests that call `app.request()` send back. */
export class CookieJar {
  readonly #cookies = new Map<string, string>()

  /** The `cookie` request header. */
  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  /** Keeps the cookies a response sets (a `Max-Age=0` one is dropped). */
  store(response: Response): void {
    for (const set of response.headers.getSetCookie()) {
      const [pair, ...attributes] = set.split(';')
      const at = pair!.indexOf('=')
      const name = pair!.slice(0, at).trim()
      if (attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.#cookies.delete(name)
      else this.#cookies.set(name, pair!.slice(at + 1))
    }
  }

  /** A cookie's value as sent. */
  get(name: string): string | undefined {
    return this.#cookies.get(name)
  }

  /** Forgets every cookie: a new visitor. */
  clear(): void {
    this.#cookies.clear()
  }
}
