/**
 * Complaint categories and the council level each is routed to, after
 * shared CATALOGUE.md. "service" means: the level of the service the complaint
 * names (OWSO → district, health centre → commune), the commune when none.
 */
import { serviceByKey } from "./services.js";

export type Routing = "commune" | "district" | "service";

export const complaintCategories = [
  { key: "extra_fees", routing: "service" },
  { key: "staff_absent", routing: "service" },
  { key: "rude_unfair", routing: "service" },
  { key: "supplies_missing", routing: "commune" },
  { key: "infrastructure", routing: "commune" },
  { key: "documents_delay", routing: "service" },
  { key: "information_withheld", routing: "service" },
  { key: "land", routing: "district" },
  { key: "safety", routing: "commune" },
  { key: "other", routing: "commune" },
] as const satisfies readonly { key: string; routing: Routing }[];

export type ComplaintCategory = (typeof complaintCategories)[number]["key"];

export const complaintCategoryKey = (key: string) => `catalogue.complaint_categories.${key}`;

export function isComplaintCategory(key: string): key is ComplaintCategory {
  return complaintCategories.some((c) => c.key === key);
}

/** Which council level answers a complaint of this category about this service. */
export function responsibleLevel(category: ComplaintCategory, serviceKey?: string): "commune" | "district" {
  const routing = complaintCategories.find((c) => c.key === category)!.routing;
  if (routing !== "service") return routing;
  return serviceKey ? (serviceByKey(serviceKey)?.level ?? "commune") : "commune";
}
