import type { GrpcServiceRegistration } from "@crm/kit";
import type { UserRow } from "../data/users.js";
import type { UserView } from "../domain/users.js";
import type { Services } from "../services.js";

/** crm.auth.v1.User (proto-loader camelCases fields). */
interface UserMessage {
  id: string;
  email: string;
  name: string;
  role: string;
  disabled: boolean;
}

const toMessage = (u: UserRow | UserView): UserMessage => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
  disabled: u.disabled,
});

/** crm.auth.v1.AuthService: thin handlers over the same use cases as the REST routes. */
export function authGrpc({ users, apiKeys, apiKeyCacheTtlSeconds }: Services): GrpcServiceRegistration {
  return {
    file: "crm/auth/v1/auth.proto",
    service: "crm.auth.v1.AuthService",
    handlers: {
      async ValidateApiKey(req: { key: string }) {
        const result = await apiKeys.validate(req.key ?? "");
        // A "no" may be cached too (briefly), so a flood of bad keys does not reach the database.
        if (!result.valid) return { valid: false, cacheTtlSeconds: apiKeyCacheTtlSeconds };
        return {
          valid: true,
          user: toMessage(result.user),
          keyId: result.keyId,
          cacheTtlSeconds: apiKeyCacheTtlSeconds,
        };
      },
      async GetUser(req: { id: string }) {
        return toMessage(await users.get(req.id ?? ""));
      },
      async GetUserByEmail(req: { email: string }) {
        return toMessage(await users.getByEmail(req.email ?? ""));
      },
    },
  };
}
