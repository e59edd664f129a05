import * as grpc from "@grpc/grpc-js";

const STATUS = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"] as const;

/**
 * grpc.health.v1.Health/Check exactly as the kubelet's native gRPC probe calls it: plaintext,
 * no metadata (no mesh identity), service "" unless given. Hand-encoded protobuf (one string
 * field in, one enum field out) so the check needs no proto files.
 */
export async function grpcHealth(address: string, service = "", timeoutMs = 3000): Promise<string> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  try {
    const name = Buffer.from(service, "utf8");
    const request = name.length ? Buffer.concat([Buffer.from([0x0a, name.length]), name]) : Buffer.alloc(0);
    const response = await new Promise<Buffer>((resolve, reject) => {
      client.makeUnaryRequest(
        "/grpc.health.v1.Health/Check",
        (b: Buffer) => b,
        (b: Buffer) => b,
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + timeoutMs },
        (err, value) => (err ? reject(err) : resolve(value!)),
      );
    });
    const status = response.length >= 2 && response[0] === 0x08 ? response[1]! : 0;
    return STATUS[status] ?? `status ${status}`;
  } finally {
    client.close();
  }
}
