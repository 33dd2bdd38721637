/**
 * The project's own configuration: the `"kiln"` section of its package.json (the entry file and
 * the permission names the target application publishes).
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { PERMISSION_PATTERN } from "@kiln/contracts";
import type { Reporter } from "./reporter.js";

/** package.json `"kiln"`, as far as it could be read. */
export interface KilnConfig {
  readonly entry?: string;
  readonly permissions: readonly string[];
}

const PERMISSION = new RegExp(PERMISSION_PATTERN);

/** Reads package.json `"kiln"`; a missing package.json is fine (a bare folder with src/index.ts). */
export function readKilnConfig(projectDir: string, report: Reporter): KilnConfig {
  const file = path.join(projectDir, "package.json");
  if (!existsSync(file)) return { permissions: [] };
  let pkg: unknown;
  try {
    pkg = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    report.atFile(file, "KILN_INVALID_CONFIG", `package.json is not valid JSON: ${(error as Error).message}`);
    return { permissions: [] };
  }
  const kiln = isRecord(pkg) ? pkg.kiln : undefined;
  if (kiln === undefined) return { permissions: [] };
  if (!isRecord(kiln)) {
    report.atFile(file, "KILN_INVALID_CONFIG", 'package.json "kiln" must be an object');
    return { permissions: [] };
  }
  return { ...configEntry(kiln, file, report), permissions: configPermissions(kiln, file, report) };
}

function configEntry(kiln: Record<string, unknown>, file: string, report: Reporter): { entry?: string } {
  const entry = kiln.entry;
  if (entry === undefined) return {};
  if (typeof entry === "string" && entry !== "") return { entry };
  report.atFile(file, "KILN_INVALID_CONFIG", 'package.json "kiln.entry" must be a non-empty string');
  return {};
}

function configPermissions(kiln: Record<string, unknown>, file: string, report: Reporter): string[] {
  const permissions = kiln.permissions;
  if (permissions === undefined) return [];
  if (!Array.isArray(permissions)) {
    report.atFile(file, "KILN_INVALID_CONFIG", 'package.json "kiln.permissions" must be an array of permission names');
    return [];
  }
  return permissions.filter((p): p is string => {
    if (typeof p === "string" && PERMISSION.test(p)) return true;
    report.atFile(
      file,
      "KILN_INVALID_CONFIG",
      `package.json "kiln.permissions" has an invalid name ${JSON.stringify(p)}`,
    );
    return false;
  });
}

/** A JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
