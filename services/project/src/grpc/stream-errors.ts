import { Metadata, type ServerWritableStream } from "@grpc/grpc-js";
import { currentContext, httpToGrpcStatus, PROBLEM_METADATA_KEY, toHttpError } from "@crm/kit";

/**
 * Delivers a server-streaming handler's error to the caller as a gRPC status with the problem in
 * trailing metadata, the same shape the kit uses for unary calls.
 *
 * Why: the kit's server ends a failed stream with `call.destroy(err)`; grpc-js's writable stream
 * only sends a status from `_final`, which never runs on a destroyed stream, so the caller would
 * wait for its deadline instead of getting NOT_FOUND. Emitting 'error' is grpc-js's own path (it
 * records the status and ends the stream). Remove once the kit does this itself.
 */
export function withStreamErrors<Req, Res>(
  handler: (req: Req, call: ServerWritableStream<Req, Res>) => AsyncIterable<Res>,
): (req: Req, call: ServerWritableStream<Req, Res>) => AsyncIterable<Res> {
  return async function* (req, call) {
    try {
      yield* handler(req, call);
    } catch (err) {
      const error = toHttpError(err);
      const metadata = new Metadata();
      const problem = error.toProblem(currentContext()?.requestId ?? "");
      metadata.set(PROBLEM_METADATA_KEY, Buffer.from(JSON.stringify(problem)));
      call.emit(
        "error",
        Object.assign(new Error(error.message), {
          code: httpToGrpcStatus(error.status),
          details: error.message,
          metadata,
        }),
      );
    }
  };
}
