import { HttpError, notFound, type PartKit } from "@crm/kit";

export interface AuthUser {
  id: string;
  email: string;
  name: string;
  role: string;
  disabled: boolean;
}

export interface AuthClient {
  /** The user with this e-mail; 404 when there is none. */
  userByEmail(email: string): Promise<AuthUser>;
  health(): Promise<void>;
  close(): void;
}

/** The auth service over gRPC, behind the kit client's breaker (auth down → 503 naming "auth"). */
export function createAuthClient(kit: PartKit, address: string, timeoutMs: number): AuthClient {
  const client = kit.grpcClient({
    peer: "auth",
    address,
    file: "crm/auth/v1/auth.proto",
    service: "crm.auth.v1.AuthService",
    timeoutMs,
    idempotent: ["GetUserByEmail", "GetUser"],
  });
  return {
    async userByEmail(email) {
      try {
        return await client.unary<AuthUser>("GetUserByEmail", { email });
      } catch (err) {
        if (err instanceof HttpError && err.status === 404) throw notFound(`User with e-mail ${email}`);
        throw err;
      }
    },
    health: () => client.health(),
    close: () => client.close(),
  };
}
