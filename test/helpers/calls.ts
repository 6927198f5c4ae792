import { fixture, rewrite, without } from './fixtures.js'
import { at, childrenNamed, type XmlElement } from './xml.js'

/**
 * A dialplan request as FreeSWITCH 1.10.12 sent it for an INVITE from a
 * registered phone (test/fixtures/dialplan-invite-extension.txt: 1000 →
 * 1001, context default), rewritten for this call. `from` set: the caller
 * authenticated as that extension of `domain`; undefined: a carrier-style
 * call with no authentication.
 */
export function callRequest(options: {
  context: string
  to: string
  from?: string
  domain?: string
  uniqueId?: string
  extra?: Record<string, string>
}): string {
  const domain = options.domain ?? options.context
  const uuid = options.uniqueId ?? '0e997291-7756-488d-956f-38539fc596e5'
  let body = rewrite(fixture('dialplan-invite-extension.txt'), {
    'Unique-ID': uuid,
    'Caller-Unique-ID': uuid,
    'Hunt-Unique-ID': uuid,
    'Caller-Context': options.context,
    'Hunt-Context': options.context,
    'Caller-Destination-Number': options.to,
    'Hunt-Destination-Number': options.to,
    variable_sip_req_user: options.to,
    variable_sip_to_user: options.to,
    variable_user_context: domain,
    variable_domain_name: domain,
    ...(options.from !== undefined
      ? { variable_user_name: options.from, variable_sip_auth_username: options.from, variable_sip_from_user: options.from }
      : {}),
    ...options.extra,
  })
  if (options.from === undefined) body = without(body, 'variable_sip_authorized', 'variable_user_name', 'variable_sip_auth_username')
  return body
}

export interface DialplanAnswer {
  context: string | undefined
  expression: string | undefined
  actions: Array<[string, string | undefined]>
}

/** The context, condition and actions of a dialplan answer with one extension. */
export function dialplanOf(doc: XmlElement): DialplanAnswer {
  const section = at(doc, 'section')
  const context = section && childrenNamed(section, 'context')[0]
  const condition = context && at(context, 'extension', 'condition')
  return {
    context: context?.attrs.name,
    expression: condition?.attrs.expression,
    actions: (condition ? childrenNamed(condition, 'action') : []).map((a) => [a.attrs.application ?? '', a.attrs.data]),
  }
}

/** The data of the first action named `app`. */
export function dataOf(answer: DialplanAnswer, app: string): string | undefined {
  return answer.actions.find(([name]) => name === app)?.[1]
}
