/**
 * The public services citizens rate and their criteria, after
 * shared CATALOGUE.md (ISAF Community Scorecard). Names and questions live in
 * locales/{km,en}/catalogue.json under services.<key>.name and
 * criteria.<service>.<criterion>. The four ISAF-grounded services come first
 * in menus.
 */
export type ServiceLevel = "commune" | "district";

export interface Service {
  key: string;
  level: ServiceLevel;
  criteria: readonly string[];
  /** Also ask "Were you asked to pay anything extra?" (yes / no / don't know). */
  asksInformalPayment: boolean;
}

export const services: readonly Service[] = [
  { key: "health_centre", level: "commune", asksInformalPayment: true, criteria: ["attitude", "attentive_care", "staff_present", "medicines", "price_list", "water_sanitation"] },
  { key: "primary_school", level: "commune", asksInformalPayment: true, criteria: ["teacher_punctual", "teacher_pupil", "no_informal_payment", "latrines", "classrooms_materials", "clean_school"] },
  { key: "commune_office", level: "commune", asksInformalPayment: true, criteria: ["open_regularly", "timely", "attitude", "informs_plans", "official_fee_only", "waiting_area"] },
  { key: "owso", level: "district", asksInformalPayment: true, criteria: ["fees_displayed", "on_time", "attitude", "clear_procedure", "knows_ombudsman"] },
  { key: "district_council", level: "district", asksInformalPayment: false, criteria: ["shares_plans", "answers_forum", "follows_commitments", "inclusive_forums"] },
  { key: "water_supply", level: "commune", asksInformalPayment: false, criteria: ["reliable", "safe_water", "fair_price", "repairs"] },
  { key: "local_roads", level: "commune", asksInformalPayment: false, criteria: ["condition", "drainage", "maintenance", "safety"] },
  { key: "waste_collection", level: "commune", asksInformalPayment: false, criteria: ["regular", "clean_area", "fair_fee", "responsive"] },
];

const byKey = new Map(services.map((s) => [s.key, s]));

export function serviceByKey(key: string): Service | undefined {
  return byKey.get(key);
}

export const serviceNameKey = (service: string) => `catalogue.services.${service}`;
export const criterionKey = (service: string, criterion: string) => `catalogue.criteria.${service}.${criterion}`;
