import { fixture, rewrite } from '../test/helpers/fixtures.js'
import { FIRST_EXTENSION, domainName, type Dataset } from './dataset.js'

/**
 * The lookups of the benchmark: the bodies FreeSWITCH 1.10.12 really sent
 * (test/fixtures), with user, domain, destination and call ids substituted.
 */
export type Kind = 'sip_auth' | 'user_call' | 'dialplan_followme' | 'dialplan_plain' | 'unknown_user'

export interface Lookup {
  kind: Kind
  body: string
}

const REGISTER = fixture('directory-sip_auth-register.txt')
const USER_CALL = fixture('directory-user_call.txt')
const INVITE = fixture('dialplan-invite-extension.txt')

export function sipAuth(domain: string, user: string): string {
  return rewrite(REGISTER, {
    key_value: domain,
    domain,
    sip_auth_realm: domain,
    user,
    sip_auth_username: user,
    sip_from_user: user,
    sip_to_user: user,
    sip_contact_user: user,
  })
}

export function userCall(domain: string, user: string): string {
  return rewrite(USER_CALL, { key_value: domain, domain, user, dialed_user: user, dialed_domain: domain })
}

export function dialplanCall(domain: string, to: string, from: string, uuid: string): string {
  return rewrite(INVITE, {
    'Unique-ID': uuid,
    'Caller-Unique-ID': uuid,
    'Hunt-Unique-ID': uuid,
    'Channel-Call-UUID': uuid,
    'Caller-Context': domain,
    'Hunt-Context': domain,
    'Caller-Destination-Number': to,
    'Hunt-Destination-Number': to,
    variable_sip_req_user: to,
    variable_sip_to_user: to,
    variable_user_context: domain,
    variable_domain_name: domain,
    variable_user_name: from,
    variable_sip_auth_username: from,
    variable_sip_from_user: from,
  })
}

/** A small seeded PRNG (mulberry32): the same request sets on every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function uuidFrom(rand: () => number): string {
  const hex = () => Math.floor(rand() * 0x10000).toString(16).padStart(4, '0')
  return `${hex()}${hex()}-${hex()}-4${hex().slice(1)}-8${hex().slice(1)}-${hex()}${hex()}${hex()}`
}

function pick(data: Dataset, rand: () => number, followMe?: boolean): { domain: string; ext: string } {
  const domain = domainName(1 + Math.floor(rand() * data.domains))
  let offset = Math.floor(rand() * data.perDomain)
  if (followMe === true) offset -= offset % 5
  if (followMe === false && offset % 5 === 0) offset = (offset + 1) % data.perDomain
  return { domain, ext: String(FIRST_EXTENSION + offset) }
}

/** `count` lookups of one workload, in a fixed random order. */
export function workload(name: 'storm' | 'followme' | 'mix', data: Dataset, count: number, seed = 1): Lookup[] {
  const rand = random(seed)
  const out: Lookup[] = []
  for (let i = 0; i < count; i++) {
    const r = name === 'storm' ? 0 : name === 'followme' ? 0.8 : rand()
    if (r < 0.7) {
      const { domain, ext } = pick(data, rand)
      out.push({ kind: 'sip_auth', body: sipAuth(domain, ext) })
    } else if (r < 0.8 && name === 'mix') {
      const { domain, ext } = pick(data, rand)
      out.push({ kind: 'user_call', body: userCall(domain, ext) })
    } else if (r < 0.95) {
      const followMe = name === 'followme' || rand() < 0.5
      const { domain, ext } = pick(data, rand, followMe)
      const from = String(FIRST_EXTENSION + ((Number(ext) - FIRST_EXTENSION + 7) % data.perDomain))
      out.push({ kind: followMe ? 'dialplan_followme' : 'dialplan_plain', body: dialplanCall(domain, ext, from, uuidFrom(rand)) })
    } else {
      const { domain } = pick(data, rand)
      out.push({ kind: 'unknown_user', body: sipAuth(domain, '99999') })
    }
  }
  return out
}
