// Every table, one file per aggregate. drizzle.config.ts reads this folder.
export * from "./areas.js";
export * from "./ratings.js";
export * from "./users.js";
export * from "./volunteers.js";
export * from "./councils.js";
export * from "./complaints.js";
export * from "./digest.js";
export * from "./broadcasts.js";
export * from "./forums.js";
export * from "./commitments.js";
export * from "./updates.js";
