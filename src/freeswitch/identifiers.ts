/**
 * The shapes of the identifiers FreeSWITCH hands us, matching the schema's
 * CHECK constraints (migrations/0001_initial_schema.sql). Anything else
 * cannot match a row, so it is answered "not found" without a query.
 */
const DOMAIN_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/
const EXTENSION_NUMBER = /^[0-9]{1,15}$/

export function isDomainName(value: string): boolean {
  return DOMAIN_NAME.test(value)
}

export function isExtensionNumber(value: string): boolean {
  return EXTENSION_NUMBER.test(value)
}
