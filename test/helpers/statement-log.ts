import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely'

/**
 * A Kysely plugin that records each statement's kind as it is sent:
 * `db.withPlugin(log)` counts the round trips of the real database.
 */
export class StatementLog implements KyselyPlugin {
  readonly kinds: string[] = []
  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    this.kinds.push(node.kind)
    return node
  }
  async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return result
  }
}
