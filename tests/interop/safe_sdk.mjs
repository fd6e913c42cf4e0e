// Safe's own SDK (@safe-global/protocol-kit and api-kit, pinned in package.json) driven for
// safeops' interop tests: one JSON request on stdin, one JSON answer on stdout.
//
//   {"command": "hashes", ...}   protocol-kit's safeTxHash (offline and the Safe's own) and its
//                                EIP-712 signature, for each transaction of each Safe
//   {"command": "nested", ...}   a nested Safe's contract signature, as protocol-kit builds it
//   {"command": "propose", ...}  api-kit proposes (with protocol-kit's signature) and confirms
//   {"command": "get", ...}      api-kit reads a transaction back from the Service
//
// Everything runs against 127.0.0.1 (anvil and the Service stand-in): no network.
import Safe, {
  buildContractSignature,
  buildSignatureBytes,
  calculateSafeTransactionHash,
} from '@safe-global/protocol-kit'
import SafeApiKit from '@safe-global/api-kit'

const EIP712 = 'eth_signTypedData_v4'
const SAFE_SIGNATURE = 'safe_sign'

async function readRequest() {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  return JSON.parse(Buffer.concat(chunks).toString('utf8'))
}

// protocol-kit finds contracts by chain id; the devnet's chain is not in safe-deployments.
const contractNetworks = (request, singleton) => ({
  [String(request.chainId)]: { ...request.contracts, safeSingletonAddress: singleton },
})

const connect = (request, { safe, singleton, key }) =>
  Safe.init({
    provider: request.rpcUrl,
    signer: key,
    safeAddress: safe,
    contractNetworks: contractNetworks(request, singleton),
  })

async function createTransaction(kit, tx) {
  return kit.createTransaction({
    transactions: [{ to: tx.to, value: tx.value, data: tx.data, operation: tx.operation }],
    options: {
      safeTxGas: tx.safeTxGas,
      baseGas: tx.baseGas,
      gasPrice: tx.gasPrice,
      gasToken: tx.gasToken,
      refundReceiver: tx.refundReceiver,
      nonce: Number(tx.nonce),
    },
  })
}

async function signTypedData(kit, safeTx) {
  const signed = await kit.signTransaction(safeTx, EIP712)
  const signer = (await kit.getSafeProvider().getSignerAddress()).toLowerCase()
  return signed.getSignature(signer)
}

async function hashes(request) {
  const results = []
  for (const account of request.safes) {
    const kit = await connect(request, account)
    const version = kit.getContractVersion()
    const chainId = BigInt(request.chainId)
    for (const tx of account.transactions) {
      const safeTx = await createTransaction(kit, tx)
      const signature = await signTypedData(kit, safeTx)
      results.push({
        safe: account.safe,
        version,
        offline: calculateSafeTransactionHash(account.safe, safeTx.data, version, chainId),
        onchain: await kit.getTransactionHash(safeTx),
        signature: signature.data,
      })
    }
  }
  return { results }
}

async function nested(request) {
  // The nested Safe's owner signs the parent's transaction as a Safe message; protocol-kit
  // wraps it as the nested Safe's contract signature (r = nested Safe, v = 0, data appended).
  const parent = await connect(request, request.parent)
  const child = await connect(request, request.child)
  const safeTx = await createTransaction(parent, request.transaction)
  const signed = await child.signTransaction(safeTx, SAFE_SIGNATURE, request.parent.safe)
  const inner = [...signed.signatures.values()]
  const contract = await buildContractSignature(inner, request.child.safe)
  return { signature: buildSignatureBytes([contract]), safeTxHash: await parent.getTransactionHash(safeTx) }
}

const apiKit = (request) =>
  new SafeApiKit({ chainId: BigInt(request.chainId), txServiceUrl: `${request.serviceUrl}/api` })

async function propose(request) {
  const api = apiKit(request)
  const proposer = await connect(request, request.proposer)
  const safeTx = await createTransaction(proposer, request.transaction)
  const safeTxHash = await proposer.getTransactionHash(safeTx)
  // api-kit's documented proposal signs with signHash, which is eth_sign; "eip712" signs the
  // typed data instead, as Safe{Wallet} does.
  const senderSignature =
    request.proposerSigns === 'eip712'
      ? await signTypedData(proposer, safeTx)
      : await proposer.signHash(safeTxHash)
  const proposal = {
    safeAddress: request.proposer.safe,
    safeTransactionData: safeTx.data,
    safeTxHash,
    senderAddress: senderSignature.signer,
    senderSignature: senderSignature.data,
  }
  if (request.origin !== undefined) proposal.origin = request.origin
  await api.proposeTransaction(proposal)
  for (const account of request.confirmers ?? []) {
    const kit = await connect(request, account)
    const signature = await signTypedData(kit, safeTx)
    await api.confirmTransaction(safeTxHash, signature.data)
  }
  return { safeTxHash, transaction: await api.getTransaction(safeTxHash) }
}

async function get(request) {
  const api = apiKit(request)
  const transaction = await api.getTransaction(request.safeTxHash)
  const pending = await api.getPendingTransactions(request.safe)
  return { transaction, pending: pending.results.map((t) => t.safeTxHash) }
}

const commands = { hashes, nested, propose, get }

try {
  const request = await readRequest()
  const answer = await commands[request.command](request)
  process.stdout.write(JSON.stringify(answer, (_, v) => (typeof v === 'bigint' ? v.toString() : v)))
} catch (error) {
  process.stdout.write(JSON.stringify({ error: String(error?.message ?? error) }))
  process.exitCode = 1
}
