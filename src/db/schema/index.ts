// Every table, one file per aggregate. drizzle.config.ts reads this folder.
export * from "./areas.js";
export * from "./users.js";
export * from "./broadcasts.js";
export * from "./forums.js";
