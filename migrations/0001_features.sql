CREATE TABLE "complaint_events" (
	"id" serial PRIMARY KEY NOT NULL,
	"complaint_id" integer NOT NULL,
	"kind" text NOT NULL,
	"from_status" text,
	"to_status" text,
	"actor_kind" text NOT NULL,
	"actor_user_id" integer,
	"actor_telegram_id" bigint,
	"actor_name" text,
	"council_area_code" varchar(8),
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "complaint_reference_counters" (
	"year" integer PRIMARY KEY NOT NULL,
	"last" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "complaints" (
	"id" serial PRIMARY KEY NOT NULL,
	"reference" varchar(20) NOT NULL,
	"user_id" integer,
	"anonymous" boolean NOT NULL,
	"reporter_name" text,
	"commune_code" varchar(8) NOT NULL,
	"category" text NOT NULL,
	"service_key" text,
	"description" text NOT NULL,
	"photo_file_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"voice_file_id" text,
	"latitude" double precision,
	"longitude" double precision,
	"status" text DEFAULT 'new' NOT NULL,
	"council_area_code" varchar(8),
	"group_chat_id" bigint,
	"group_message_id" integer,
	"overdue_notified_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "complaints_reference_unique" UNIQUE("reference")
);
--> statement-breakpoint
CREATE TABLE "council_link_codes" (
	"id" serial PRIMARY KEY NOT NULL,
	"code_hash" text NOT NULL,
	"area_code" varchar(8) NOT NULL,
	"created_by_user_id" integer,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"used_by_chat_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "council_link_codes_code_hash_unique" UNIQUE("code_hash")
);
--> statement-breakpoint
CREATE TABLE "councils" (
	"id" serial PRIMARY KEY NOT NULL,
	"area_code" varchar(8) NOT NULL,
	"group_chat_id" bigint,
	"language" varchar(2) DEFAULT 'km' NOT NULL,
	"linked_at" timestamp with time zone,
	"linked_by_telegram_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "councils_area_code_unique" UNIQUE("area_code"),
	CONSTRAINT "councils_group_chat_id_unique" UNIQUE("group_chat_id")
);
--> statement-breakpoint
CREATE TABLE "rating_scores" (
	"rating_id" integer NOT NULL,
	"criterion" text NOT NULL,
	"score" smallint NOT NULL,
	CONSTRAINT "rating_scores_rating_id_criterion_pk" PRIMARY KEY("rating_id","criterion"),
	CONSTRAINT "rating_scores_score_check" CHECK ("rating_scores"."score" between 1 and 5)
);
--> statement-breakpoint
CREATE TABLE "ratings" (
	"id" serial PRIMARY KEY NOT NULL,
	"service" text NOT NULL,
	"commune_code" varchar(8) NOT NULL,
	"source" text NOT NULL,
	"rater_user_id" integer,
	"volunteer_user_id" integer,
	"interview_id" uuid,
	"facility_name" text,
	"informal_payment" text,
	"comment" text,
	"comment_voice_file_id" text,
	"sex" text,
	"age_group" text,
	"disability" boolean,
	"minority" boolean,
	"id_poor" boolean,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"superseded_at" timestamp with time zone,
	"superseded_by_id" integer,
	CONSTRAINT "ratings_source_check" CHECK ("ratings"."source" in ('self', 'interview')),
	CONSTRAINT "ratings_interview_anonymous_check" CHECK ("ratings"."source" <> 'interview' or "ratings"."rater_user_id" is null),
	CONSTRAINT "ratings_informal_payment_check" CHECK ("ratings"."informal_payment" is null or "ratings"."informal_payment" in ('yes', 'no', 'dont_know')),
	CONSTRAINT "ratings_sex_check" CHECK ("ratings"."sex" is null or "ratings"."sex" in ('female', 'male', 'other')),
	CONSTRAINT "ratings_age_group_check" CHECK ("ratings"."age_group" is null or "ratings"."age_group" in ('under_15', '15_30', '31_45', '46_60', '61_plus'))
);
--> statement-breakpoint
CREATE TABLE "volunteer_communes" (
	"user_id" integer NOT NULL,
	"commune_code" varchar(8) NOT NULL,
	"granted_by_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "volunteer_communes_user_id_commune_code_pk" PRIMARY KEY("user_id","commune_code")
);
--> statement-breakpoint
CREATE TABLE "volunteer_invites" (
	"id" serial PRIMARY KEY NOT NULL,
	"token_hash" text NOT NULL,
	"commune_codes" text[] NOT NULL,
	"created_by_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"used_by_id" integer,
	CONSTRAINT "volunteer_invites_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "consented_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "onboarded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "sex" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "age_group" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "has_disability" boolean;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "is_indigenous" boolean;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "has_id_poor" boolean;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "tombstone" text;--> statement-breakpoint
ALTER TABLE "complaint_events" ADD CONSTRAINT "complaint_events_complaint_id_complaints_id_fk" FOREIGN KEY ("complaint_id") REFERENCES "public"."complaints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "complaint_events" ADD CONSTRAINT "complaint_events_actor_user_id_users_id_fk" FOREIGN KEY ("actor_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "complaints" ADD CONSTRAINT "complaints_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "complaints" ADD CONSTRAINT "complaints_commune_code_areas_code_fk" FOREIGN KEY ("commune_code") REFERENCES "public"."areas"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "complaints" ADD CONSTRAINT "complaints_council_area_code_areas_code_fk" FOREIGN KEY ("council_area_code") REFERENCES "public"."areas"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "council_link_codes" ADD CONSTRAINT "council_link_codes_area_code_areas_code_fk" FOREIGN KEY ("area_code") REFERENCES "public"."areas"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "council_link_codes" ADD CONSTRAINT "council_link_codes_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "councils" ADD CONSTRAINT "councils_area_code_areas_code_fk" FOREIGN KEY ("area_code") REFERENCES "public"."areas"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rating_scores" ADD CONSTRAINT "rating_scores_rating_id_ratings_id_fk" FOREIGN KEY ("rating_id") REFERENCES "public"."ratings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ratings" ADD CONSTRAINT "ratings_commune_code_areas_code_fk" FOREIGN KEY ("commune_code") REFERENCES "public"."areas"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ratings" ADD CONSTRAINT "ratings_rater_user_id_users_id_fk" FOREIGN KEY ("rater_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ratings" ADD CONSTRAINT "ratings_volunteer_user_id_users_id_fk" FOREIGN KEY ("volunteer_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ratings" ADD CONSTRAINT "ratings_superseded_by_id_ratings_id_fk" FOREIGN KEY ("superseded_by_id") REFERENCES "public"."ratings"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "volunteer_communes" ADD CONSTRAINT "volunteer_communes_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "volunteer_communes" ADD CONSTRAINT "volunteer_communes_commune_code_areas_code_fk" FOREIGN KEY ("commune_code") REFERENCES "public"."areas"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "volunteer_communes" ADD CONSTRAINT "volunteer_communes_granted_by_id_users_id_fk" FOREIGN KEY ("granted_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "volunteer_invites" ADD CONSTRAINT "volunteer_invites_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "volunteer_invites" ADD CONSTRAINT "volunteer_invites_used_by_id_users_id_fk" FOREIGN KEY ("used_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "complaint_events_complaint_idx" ON "complaint_events" USING btree ("complaint_id","id");--> statement-breakpoint
CREATE INDEX "complaints_user_idx" ON "complaints" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "complaints_council_idx" ON "complaints" USING btree ("council_area_code","status");--> statement-breakpoint
CREATE INDEX "complaints_commune_idx" ON "complaints" USING btree ("commune_code","status");--> statement-breakpoint
CREATE INDEX "council_link_codes_area_idx" ON "council_link_codes" USING btree ("area_code");--> statement-breakpoint
CREATE INDEX "ratings_commune_service_created_idx" ON "ratings" USING btree ("commune_code","service","created_at");--> statement-breakpoint
CREATE INDEX "ratings_created_idx" ON "ratings" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "ratings_rater_idx" ON "ratings" USING btree ("rater_user_id","service","commune_code");--> statement-breakpoint
CREATE INDEX "ratings_volunteer_idx" ON "ratings" USING btree ("volunteer_user_id","created_at");--> statement-breakpoint
CREATE INDEX "volunteer_communes_commune_idx" ON "volunteer_communes" USING btree ("commune_code");--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_tombstone_unique" UNIQUE("tombstone");