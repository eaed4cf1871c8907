/**
 * The public types of `isr serve`'s revalidation webhook: the request `serve.webhook` and
 * `serve.verify` see (also `isr regen --payload`'s saved one) and what they answer. Separate
 * because a CMS mapper or signature check (webhooks/) is written against these alone.
 */

/** What the revalidation webhook of `isr serve` turns a request body into. */
export interface RevalidateTarget {
  paths?: string[];
  tags?: string[];
}

/**
 * What `serve.webhook` returns for an event it does not care about (an `Entry.save`, a draft):
 * answered 200 `{ ok: true, ignored: true }` and nothing is rendered. Returning nothing means the same.
 */
export interface WebhookIgnored {
  ignored: true;
  /** Why, for the log line and the answer (`Entry.auto_save`). */
  reason?: string;
}

/**
 * A webhook call as `serve.webhook` and `serve.verify` see it: the request `isr serve` received,
 * or the saved one `isr regen --payload` was given.
 */
export interface WebhookRequest {
  /** `POST` (or what `--payload-headers` says). */
  method: string;
  /** Path and query as received, e.g. `/__isr/revalidate` (what a signature covers). */
  path: string;
  /** Headers, names in lower case (a repeated header's values joined with `, `, as Node does). */
  headers: Readonly<Record<string, string>>;
  /**
   * The event's name: the `x-contentful-topic` header (`ContentManagement.Entry.publish`), else
   * `sanity-operation` (`create`, `update`, `delete`), else `x-isr-topic`; `isr regen --topic`.
   */
  topic?: string;
  /** The body as received, as text (signatures are computed over these exact bytes). */
  body: string;
  /** The current time in epoch ms (honours `ISR_NOW`), for a signature's timestamp tolerance. */
  now: number;
}

/**
 * `serve.webhook`: a CMS payload to the pages to render. Return `{ paths, tags }`; nothing (or
 * `{ ignored: true }`) for an event you do not care about; throw an `IsrError` with code
 * `PAYLOAD_INVALID` for a payload that cannot be right (answered 400, or exit 5 for `--payload`).
 */
export type WebhookMapper = (
  payload: unknown,
  request: WebhookRequest,
) => RevalidateTarget | WebhookIgnored | undefined | null | Promise<RevalidateTarget | WebhookIgnored | undefined | null>;

/**
 * `serve.verify`: does this request come from the CMS? Return `true` to accept it; `false` or a
 * string saying why not to refuse it (401, or exit 5 for `isr regen --payload`). For signatures
 * such as Contentful's (`contentfulSignature()`) or Sanity's (`sanitySignature()`).
 */
export type WebhookVerify = (request: WebhookRequest) => boolean | string | Promise<boolean | string>;
