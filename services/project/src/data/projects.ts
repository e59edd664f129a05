import { Prisma, type PrismaClient, type Project } from "@crm/db";
import { conflict, notFound } from "@crm/kit";
import type { Role } from "../domain/access.js";

export interface ProjectWithRole extends Project {
  role: Role;
}

export interface MemberRow {
  projectId: string;
  userId: string;
  role: Role;
  email: string | null;
  addedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Projects and members in the `project` schema. Access rules live in the domain, not here. */
export class ProjectStore {
  constructor(private readonly prisma: PrismaClient) {}

  async create(input: { name: string; description: string | null; ownerId: string; ownerEmail: string | null }) {
    return this.prisma.project.create({
      data: {
        name: input.name,
        description: input.description,
        ownerId: input.ownerId,
        members: { create: { userId: input.ownerId, role: "owner", email: input.ownerEmail, addedBy: input.ownerId } },
      },
    });
  }

  /** The caller's role in the project, or undefined when it is not a member (or there is no such project). */
  async roleOf(projectId: string, userId: string): Promise<Role | undefined> {
    const member = await this.prisma.projectMember.findUnique({
      where: { projectId_userId: { projectId, userId } },
      select: { role: true },
    });
    return member?.role;
  }

  async exists(projectId: string): Promise<boolean> {
    return (await this.prisma.project.count({ where: { id: projectId } })) > 0;
  }

  async get(projectId: string): Promise<Project | null> {
    return this.prisma.project.findUnique({ where: { id: projectId } });
  }

  /** Newest first; the cursor is the last item's (createdAt, id). */
  async listForUser(userId: string, limit: number, after?: { createdAt: string; id: string }) {
    const rows = await this.prisma.projectMember.findMany({
      where: {
        userId,
        ...(after
          ? {
              project: {
                OR: [
                  { createdAt: { lt: new Date(after.createdAt) } },
                  { createdAt: new Date(after.createdAt), id: { lt: after.id } },
                ],
              },
            }
          : {}),
      },
      include: { project: true },
      orderBy: [{ project: { createdAt: "desc" } }, { project: { id: "desc" } }],
      take: limit + 1,
    });
    return rows.map((r): ProjectWithRole => ({ ...r.project, role: r.role }));
  }

  async memberships(userId: string): Promise<{ projectId: string; role: Role }[]> {
    return this.prisma.projectMember.findMany({ where: { userId }, select: { projectId: true, role: true } });
  }

  async update(projectId: string, patch: { name?: string; description?: string | null }): Promise<Project> {
    return this.prisma.project.update({ where: { id: projectId }, data: patch });
  }

  async delete(projectId: string): Promise<void> {
    await this.prisma.project.deleteMany({ where: { id: projectId } });
  }

  async listMembers(projectId: string, limit: number, afterUserId?: string): Promise<MemberRow[]> {
    return this.prisma.projectMember.findMany({
      where: { projectId, ...(afterUserId ? { userId: { gt: afterUserId } } : {}) },
      orderBy: { userId: "asc" },
      take: limit + 1,
    });
  }

  /**
   * Sets a member's role (adding the member when absent). Runs with the project row locked so two
   * owners demoting each other at once cannot leave the project without an owner.
   */
  async setMember(input: {
    projectId: string;
    userId: string;
    role: Role;
    email?: string | null;
    addedBy: string;
    mustExist?: boolean;
  }): Promise<{ member: MemberRow; created: boolean }> {
    return this.prisma.$transaction(async (tx) => {
      await lockProject(tx, input.projectId);
      const current = await tx.projectMember.findUnique({
        where: { projectId_userId: { projectId: input.projectId, userId: input.userId } },
      });
      if (!current && input.mustExist) throw notFound("Member");
      if (current?.role === "owner" && input.role !== "owner") await ensureAnotherOwner(tx, input.projectId);
      const member = await tx.projectMember.upsert({
        where: { projectId_userId: { projectId: input.projectId, userId: input.userId } },
        create: {
          projectId: input.projectId,
          userId: input.userId,
          role: input.role,
          email: input.email ?? null,
          addedBy: input.addedBy,
        },
        update: { role: input.role, ...(input.email ? { email: input.email } : {}) },
      });
      return { member, created: !current };
    });
  }

  async removeMember(projectId: string, userId: string): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      await lockProject(tx, projectId);
      const current = await tx.projectMember.findUnique({ where: { projectId_userId: { projectId, userId } } });
      if (!current) throw notFound("Member");
      if (current.role === "owner") await ensureAnotherOwner(tx, projectId);
      await tx.projectMember.delete({ where: { projectId_userId: { projectId, userId } } });
    });
  }

  async ping(): Promise<void> {
    await this.prisma.$queryRaw`SELECT 1`;
  }
}

type Tx = Prisma.TransactionClient;

/** Serialises writers of one project (members, files, quotas); a deleted project is not found. */
export async function lockProject(tx: Tx, projectId: string): Promise<void> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM "project"."projects" WHERE id = ${projectId}::uuid FOR UPDATE`;
  if (rows.length === 0) throw notFound("Project");
}

async function ensureAnotherOwner(tx: Tx, projectId: string): Promise<void> {
  const owners = await tx.projectMember.count({ where: { projectId, role: "owner" } });
  if (owners <= 1) throw conflict("A project keeps at least one owner: make someone else owner first");
}
