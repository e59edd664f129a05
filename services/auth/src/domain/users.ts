import { badRequest, conflict, decodeCursor, notFound, toPage, type Logger, type Page } from "@crm/kit";
import { z } from "zod";
import { isUniqueViolation, isUuid } from "../data/prisma.js";
import type { RefreshTokensData } from "../data/refresh-tokens.js";
import type { Role, UserRow, UsersData } from "../data/users.js";
import { hashPassword, passwordWeakness } from "./passwords.js";

/** A user as the API shows it: never the password hash. */
export interface UserView {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
}

export function toUserView(u: UserRow): UserView {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role as Role,
    disabled: u.disabled,
    createdAt: u.createdAt.toISOString(),
  };
}

/** E-mails are compared and stored lower-case (see the User model). */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

const weakPassword = (reason: string) =>
  badRequest(`Password ${reason}`, [{ path: "body.password", message: `Password ${reason}` }]);

const userCursor = z.object({ c: z.iso.datetime(), i: z.uuid() });

export class Users {
  constructor(
    private readonly users: UsersData,
    private readonly refreshTokens: RefreshTokensData,
    private readonly logger: Logger,
  ) {}

  /** Creates a member (or, for the bootstrap, an admin). `email` must already be validated. */
  async register(input: { email: string; password: string; name: string }, role: Role = "member"): Promise<UserView> {
    const email = normalizeEmail(input.email);
    const weakness = passwordWeakness(input.password, [email, input.name]);
    if (weakness) throw weakPassword(weakness);
    const passwordHash = await hashPassword(input.password);
    try {
      const user = await this.users.create({ email, name: input.name, passwordHash, role });
      this.logger.info({ userId: user.id, role }, "user registered");
      return toUserView(user);
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict("An account with this e-mail already exists");
      throw err;
    }
  }

  async get(id: string): Promise<UserView> {
    const user = isUuid(id) ? await this.users.byId(id) : null;
    if (!user) throw notFound("User");
    return toUserView(user);
  }

  async getByEmail(email: string): Promise<UserView> {
    const user = await this.users.byEmail(normalizeEmail(email));
    if (!user) throw notFound("User");
    return toUserView(user);
  }

  async list(limit: number, cursor: string | undefined): Promise<Page<UserView>> {
    const after = decodeCursor(cursor, userCursor);
    const rows = await this.users.list(limit + 1, after && { createdAt: new Date(after.c), id: after.i });
    return toPage(rows.map(toUserView), limit, (u) => ({ c: u.createdAt, i: u.id }));
  }

  /**
   * Admin change of role and/or disabled. Disabling signs the user out everywhere (refresh
   * families revoked; API keys stop validating because validation checks the owner). Access
   * tokens already issued live out their short TTL.
   */
  async updateAccess(id: string, patch: { role?: Role; disabled?: boolean }, actorId: string): Promise<UserView> {
    if (!isUuid(id)) throw notFound("User");
    const result = await this.users.updateAccess(id, patch);
    if (result.outcome !== "ok")
      throw result.outcome === "not_found" ? notFound("User") : conflict("This would leave no enabled administrator");
    if (patch.disabled) await this.refreshTokens.revokeAllOfUser(id, new Date());
    this.logger.info({ userId: id, actorId, ...patch }, "user access changed");
    return toUserView(result.user);
  }

  /** Creates the configured admin unless that e-mail already has an account (left untouched). */
  async bootstrapAdmin(email: string, password: string): Promise<void> {
    const normalized = normalizeEmail(email);
    if (!z.email().safeParse(normalized).success) throw new Error("BOOTSTRAP_ADMIN_EMAIL is not a valid e-mail");
    if (await this.users.byEmail(normalized)) return;
    const weakness = passwordWeakness(password, [normalized]);
    if (weakness) throw new Error(`BOOTSTRAP_ADMIN_PASSWORD ${weakness}`);
    try {
      const user = await this.register({ email: normalized, password, name: "Administrator" }, "admin");
      this.logger.info({ userId: user.id }, "bootstrap admin created");
    } catch (err) {
      // Another replica created it between our lookup and insert: that is the desired state.
      if (!(err instanceof Error && "status" in err && err.status === 409)) throw err;
    }
  }
}
