import type { Writable } from 'node:stream'
import { XMLBuilder } from 'fast-xml-parser'
import type { FeedStats } from './feed-source.js'

/**
 * A feed being written: an async iterable of XML text chunks (about one page
 * of offers each), produced as they are read — the whole document never sits
 * in memory. Each iteration reads the catalog afresh.
 *
 * @example
 * ```ts
 * const feed = ymlFeed(shop, { name: 'Shop', company: 'Shop LLC', url: 'https://shop.example' })
 * for await (const chunk of feed) process.stdout.write(chunk)
 * await feed.pipe(createWriteStream('yml.xml'))      // a Node writable
 * return new Response(feed.stream(), { headers: { 'content-type': feed.contentType } }) // a web stream
 * ```
 */
export interface Feed extends AsyncIterable<string> {
  /** The media type to serve it with, e.g. `application/xml; charset=utf-8`. */
  readonly contentType: string
  /** Offers written and left out by the current (or last) iteration, updated as it goes. */
  readonly stats: Readonly<FeedStats>
  /** The feed as a web `ReadableStream` of UTF-8 bytes, read as the consumer pulls (for `new Response(...)`). */
  stream(): ReadableStream<Uint8Array>
  /** Writes the feed to a Node writable (a file, an HTTP response) with backpressure; resolves when it is finished. */
  pipe(destination: Writable): Promise<void>
}

/** Wraps a chunk generator as a {@link Feed}. */
export function createFeed(contentType: string, stats: FeedStats, generate: () => AsyncGenerator<string>): Feed {
  const feed: Feed = {
    contentType,
    stats,
    [Symbol.asyncIterator]() {
      stats.offers = 0
      stats.skipped = 0
      return generate()
    },
    stream() {
      const encoder = new TextEncoder()
      let chunks: AsyncIterator<string> | undefined
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          chunks ??= feed[Symbol.asyncIterator]()
          const next = await chunks.next()
          if (next.done) controller.close()
          else controller.enqueue(encoder.encode(next.value))
        },
        async cancel() {
          await chunks?.return?.()
        },
      })
    },
    async pipe(destination) {
      // Loaded here, not at the top: the rest of the feed runs where there is no `node:stream` (workers, browsers).
      const [{ Readable }, { pipeline }] = await Promise.all([import('node:stream'), import('node:stream/promises')])
      await pipeline(Readable.from(feed, { objectMode: false }), destination)
    },
  }
  return feed
}

/** Where the offers go in a document skeleton given to {@link xmlWriter}'s `envelope`. */
export const OFFERS_SLOT = { '#text': '\u2063ordo-feed-offers\u2063' }

/**
 * fast-xml-parser's builder, set up for feeds: attributes as `@_name` keys,
 * text beside attributes as `#text`, arrays for repeated elements, every
 * value escaped by the builder (`& < > " '`), empty elements self-closed.
 */
export function xmlWriter(): {
  /** The XML of a fragment (a page of offers: `{ offer: [...] }`). */
  build(fragment: Record<string, unknown>): string
  /** The document around {@link OFFERS_SLOT}: the text before it and after it. */
  envelope(document: Record<string, unknown>): { head: string; tail: string }
} {
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', textNodeName: '#text', processEntities: true, suppressEmptyNode: true, suppressBooleanAttributes: false })
  return {
    build: (fragment) => builder.build(fragment) as string,
    envelope(document) {
      const xml = builder.build(document) as string
      const slot = OFFERS_SLOT['#text']
      const at = xml.indexOf(slot)
      if (at < 0 || xml.indexOf(slot, at + 1) >= 0) throw new Error('The feed document must hold the offers slot exactly once.')
      return { head: xml.slice(0, at), tail: xml.slice(at + slot.length) }
    },
  }
}
