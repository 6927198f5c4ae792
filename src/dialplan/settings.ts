import type { Config } from '../config.js'
import { DEFAULT_DIAL_BY_NAME } from '../dialbyname/feature.js'
import { CONFIRM_EXTENSION, type DialplanSettings } from './actions.js'
import { CONFIRM_CONTEXT } from './request.js'

/** The dialplan's settings from the configuration. */
export function dialplanSettings(
  followMe: Config['followMe'],
  forwarding: Config['forwarding'],
  dialByName: Config['dialByName'] = DEFAULT_DIAL_BY_NAME,
): DialplanSettings {
  return {
    directoryCode: dialByName.directoryCode,
    directoryProfile: dialByName.directoryProfile,
    confirmPrompt: followMe.confirmPrompt,
    confirmTimeoutS: followMe.confirmTimeoutS,
    voicemailProfile: followMe.voicemailProfile,
    toggleCode: followMe.toggleCode,
    featurePrompts: followMe.prompts,
    forwardingCodes: forwarding.codes,
    forwardingPrompts: forwarding.prompts,
    confirmContext: CONFIRM_CONTEXT,
    confirmExtension: CONFIRM_EXTENSION,
  }
}
