// Runs the official Milvus Node SDK's HttpClient against the REST API at MILVUS_ENDPOINT with MILVUS_TOKEN and prints
// one line per call: the step's name, a space, the reply as JSON. The test compares the lines with Milvus' answers.
const { HttpClient } = require('@zilliz/milvus2-sdk-node');

const client = new HttpClient({ endpoint: process.env.MILVUS_ENDPOINT, token: process.env.MILVUS_TOKEN });

async function step(name, call) {
  let reply;
  try {
    reply = await call();
  } catch (error) {
    reply = { thrown: String(error) };
  }
  console.log(`${name} ${JSON.stringify(reply)}`);
}

async function main() {
  await step('create-quick', () => client.createCollection({ collectionName: 'node_quick', dimension: 2, metricType: 'L2' }));
  await step('create-full', () => client.createCollection({
    collectionName: 'node_full',
    schema: {
      autoID: false,
      enableDynamicField: false,
      fields: [
        { fieldName: 'pk', dataType: 'VarChar', isPrimary: true, elementTypeParams: { max_length: 16 } },
        { fieldName: 'rank', dataType: 'Int32' },
        { fieldName: 'vec', dataType: 'FloatVector', elementTypeParams: { dim: 2 } },
      ],
    },
    indexParams: [{ fieldName: 'vec', indexName: 'vec', metricType: 'IP' }],
  }));
  await step('insert', () => client.insert({
    collectionName: 'node_quick',
    data: [{ id: 1, vector: [0, 0], tag: 'a' }, { id: 2, vector: [1, 1], tag: 'b' }, { id: 3, vector: [3, 0], tag: 'a' }],
  }));
  await step('flush', () => client.flushCollection({ collectionName: 'node_quick' }));
  await step('load', () => client.loadCollection({ collectionName: 'node_quick' }));
  await step('search-dynamic-filter', () => client.search({
    collectionName: 'node_quick', data: [[1, 0]], limit: 2, filter: 'tag == "a"', outputFields: ['tag'], consistencyLevel: 'Strong',
  }));
  await step('search-two-queries', () => client.search({ collectionName: 'node_quick', data: [[3, 0], [0, 0]], limit: 1, consistencyLevel: 'Strong' }));
  await step('count', () => client.query({ collectionName: 'node_quick', filter: 'tag == "a"', outputFields: ['count(*)'], consistencyLevel: 'Strong' }));
  await step('get', () => client.get({ collectionName: 'node_quick', id: [2], outputFields: ['tag'] }));
  await step('upsert', () => client.upsert({ collectionName: 'node_quick', data: [{ id: 2, vector: [2, 2], tag: 'c' }] }));
  await step('delete', () => client.delete({ collectionName: 'node_quick', filter: 'id == 3' }));
  await step('query', () => client.query({ collectionName: 'node_quick', filter: 'id > 0', outputFields: ['tag'], consistencyLevel: 'Strong' }));
  await step('stats', () => client.getCollectionStatistics({ collectionName: 'node_quick' }));
  await step('partition-create', () => client.createPartition({ collectionName: 'node_quick', partitionName: 'p1' }));
  await step('partition-list', () => client.listPartitions({ collectionName: 'node_quick' }));
  await step('partition-has', () => client.hasPartition({ collectionName: 'node_quick', partitionName: 'p1' }));
  await step('partition-insert', () => client.insert({ collectionName: 'node_quick', partitionName: 'p1', data: [{ id: 9, vector: [9, 9] }] }));
  await step('partition-stats', () => client.getPartitionStatistics({ collectionName: 'node_quick', partitionName: 'p1' }));
  await step('partition-search', () => client.search({ collectionName: 'node_quick', partitionNames: ['p1'], data: [[0, 0]], limit: 5, consistencyLevel: 'Strong' }));
  await step('partition-drop', () => client.dropPartition({ collectionName: 'node_quick', partitionName: 'p1' }));
  await step('full-insert', () => client.insert({ collectionName: 'node_full', data: [{ pk: 'x', rank: 7, vec: [1, 2] }, { pk: 'y', rank: 8, vec: [2, 0] }] }));
  await step('full-search', () => client.search({ collectionName: 'node_full', data: [[1, 1]], limit: 5, outputFields: ['rank'], consistencyLevel: 'Strong' }));
  await step('full-describe-load', async () => (await client.describeCollection({ collectionName: 'node_full' })).data.load);
  await step('create-unindexed', () => client.createCollection({
    collectionName: 'node_indexed',
    schema: { fields: [{ fieldName: 'id', dataType: 'Int64', isPrimary: true }, { fieldName: 'vec', dataType: 'FloatVector', elementTypeParams: { dim: 2 } }] },
  }));
  await step('load-unindexed', () => client.loadCollection({ collectionName: 'node_indexed' }));
  await step('index-create', () => client.createIndex({
    collectionName: 'node_indexed',
    indexParams: [{ fieldName: 'vec', indexName: 'vec_hnsw', metricType: 'L2', indexType: 'HNSW', params: { M: 8, efConstruction: 64 } }],
  }));
  await step('index-list', () => client.listIndexes({ collectionName: 'node_indexed' }));
  await step('index-describe-released', () => client.describeIndex({ collectionName: 'node_indexed', indexName: 'vec_hnsw' }));
  await step('load-indexed', () => client.loadCollection({ collectionName: 'node_indexed' }));
  await step('indexed-insert', () => client.insert({ collectionName: 'node_indexed', data: [{ id: 1, vec: [0, 1] }, { id: 2, vec: [5, 5] }] }));
  await step('indexed-flush', () => client.flushCollection({ collectionName: 'node_indexed' }));
  await step('index-describe-built', async () => {
    // Sealed segments reach the query nodes and get their graphs in the background.
    for (let attempt = 0; ; attempt++) {
      const reply = await client.describeIndex({ collectionName: 'node_indexed', indexName: 'vec_hnsw' });
      if (reply.code !== 0 || reply.data[0].indexState === 'Finished' || attempt === 60) {
        return reply;
      }
      await new Promise(resolve => setTimeout(resolve, 500));
    }
  });
  await step('index-drop-loaded', () => client.dropIndex({ collectionName: 'node_indexed', indexName: 'vec_hnsw' }));
  await step('alias-create', () => client.createAlias({ collectionName: 'node_full', aliasName: 'node_current' }));
  await step('alias-describe', () => client.describeAlias({ aliasName: 'node_current' }));
  await step('alias-list', () => client.listAliases({ collectionName: 'node_full' }));
  await step('alias-search', () => client.search({ collectionName: 'node_current', data: [[1, 1]], limit: 1, consistencyLevel: 'Strong' }));
  await step('alias-alter', () => client.alterAlias({ collectionName: 'node_indexed', aliasName: 'node_current' }));
  await step('alias-search-altered', () => client.search({ collectionName: 'node_current', data: [[1, 1]], limit: 1, consistencyLevel: 'Strong' }));
  await step('alias-drop', () => client.dropAlias({ aliasName: 'node_current' }));
  await step('alias-describe-dropped', () => client.describeAlias({ aliasName: 'node_current' }));
  await step('release-indexed', () => client.releaseCollection({ collectionName: 'node_indexed' }));
  await step('index-drop', () => client.dropIndex({ collectionName: 'node_indexed', indexName: 'vec_hnsw' }));
  await step('index-describe-dropped', () => client.describeIndex({ collectionName: 'node_indexed', indexName: 'vec_hnsw' }));
  await step('rename', () => client.renameCollection({ collectionName: 'node_indexed', newCollectionName: 'node_renamed' }));
  await step('rename-stats', () => client.getCollectionStatistics({ collectionName: 'node_renamed' }));
  await step('drop-renamed', () => client.dropCollection({ collectionName: 'node_renamed' }));
  await step('release', () => client.releaseCollection({ collectionName: 'node_quick' }));
  await step('load-state-released', () => client.getCollectionLoadState({ collectionName: 'node_quick' }));
  await step('search-released', () => client.search({ collectionName: 'node_quick', data: [[1, 0]], limit: 1 }));
  await step('describe-missing', () => client.describeCollection({ collectionName: 'node_missing' }));
  await step('insert-wrong-dimension', () => client.insert({ collectionName: 'node_full', data: [{ pk: 'z', rank: 1, vec: [1, 2, 3] }] }));
  await step('drop-quick', () => client.dropCollection({ collectionName: 'node_quick' }));
  await step('drop-full', () => client.dropCollection({ collectionName: 'node_full' }));
  await step('has', () => client.hasCollection({ collectionName: 'node_quick' }));
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
