import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'

/**
 * Portal passwords: stored only as scrypt hashes in the format the schema's
 * CHECK constraint accepts (migrations/0005_portal.sql):
 * scrypt$<log2 N>$<r>$<p>$<salt base64>$<key base64>.
 */
const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>

/** N = 2^15, r = 8, p = 1: OWASP's scrypt minimum; about 32 MiB and tens of ms per check. */
const LOG2_N = 15
const R = 8
const P = 1
const KEY_BYTES = 32
const SALT_BYTES = 16

function maxmem(n: number, r: number): number {
  return 128 * n * r * 2
}

/** `log2N` below the default only for tests (each check costs 2^log2N). */
export async function hashPassword(password: string, log2N = LOG2_N): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const n = 2 ** log2N
  const key = await scryptAsync(password, salt, KEY_BYTES, { N: n, r: R, p: P, maxmem: maxmem(n, R) })
  return `scrypt$${log2N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`
}

const FORMAT = /^scrypt\$([0-9]{1,2})\$([0-9]{1,2})\$([0-9]{1,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/

/**
 * Whether `password` matches `stored`. The comparison is constant-time; with
 * no stored hash (unknown user) a dummy hash is still computed, so the time
 * taken does not tell whether the account exists.
 */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const m = FORMAT.exec(stored ?? DUMMY_HASH) ?? (FORMAT.exec(DUMMY_HASH) as RegExpExecArray)
  const [, log2n, r, p, salt, key] = m as unknown as [string, string, string, string, string, string]
  const expected = Buffer.from(key, 'base64')
  const n = 2 ** Number(log2n)
  // A hash from a future, costlier setting still verifies; absurd costs do not run.
  if (Number(log2n) > 20 || Number(r) > 32 || Number(p) > 16 || expected.length < 16) return false
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length, { N: n, r: Number(r), p: Number(p), maxmem: maxmem(n, Number(r)) * Number(p) })
  return timingSafeEqual(actual, expected) && stored !== undefined
}

// A well-formed hash of nothing anyone can type (an unknown account verifies against it).
const DUMMY_HASH = `scrypt$${LOG2_N}$${R}$${P}$${Buffer.alloc(SALT_BYTES).toString('base64')}$${Buffer.alloc(KEY_BYTES).toString('base64')}`

/** A random password for a person to type: 16 characters of base64url (96 bits). */
export function randomPassword(): string {
  return randomBytes(12).toString('base64url')
}
