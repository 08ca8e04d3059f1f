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
	CONSTRAINT "ratings_age_group_check" CHECK ("ratings"."age_group" is null or "ratings"."age_group" in ('youth', 'adult', 'older'))
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
CREATE INDEX "ratings_commune_service_created_idx" ON "ratings" USING btree ("commune_code","service","created_at");--> statement-breakpoint
CREATE INDEX "ratings_created_idx" ON "ratings" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "ratings_rater_idx" ON "ratings" USING btree ("rater_user_id","service","commune_code");--> statement-breakpoint
CREATE INDEX "ratings_volunteer_idx" ON "ratings" USING btree ("volunteer_user_id","created_at");--> statement-breakpoint
CREATE INDEX "volunteer_communes_commune_idx" ON "volunteer_communes" USING btree ("commune_code");