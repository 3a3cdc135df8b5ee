-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "game";

-- CreateTable
CREATE TABLE "game"."item" (
    "hash" BIGINT NOT NULL,
    "index" INTEGER NOT NULL,
    "redacted" BOOLEAN NOT NULL,
    "item_type" INTEGER NOT NULL,
    "item_sub_type" INTEGER NOT NULL,
    "class_type" INTEGER NOT NULL,
    "tier_type" INTEGER NOT NULL,
    "is_currency" BOOLEAN NOT NULL,
    "bucket_type_hash" BIGINT,
    "max_stack_size" INTEGER,
    "icon" TEXT,
    "screenshot" TEXT,
    "item_category_hashes" BIGINT[],
    "default_damage_type_hash" BIGINT,
    "season_hash" BIGINT,
    "collectible_hash" BIGINT,
    "questline_item_hash" BIGINT,

    CONSTRAINT "item_pkey" PRIMARY KEY ("hash")
);

-- CreateTable
CREATE TABLE "game"."item_text" (
    "item_hash" BIGINT NOT NULL,
    "lang" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "flavor_text" TEXT,
    "item_type_display_name" TEXT,
    "tier_type_name" TEXT,
    "item_type_and_tier_display_name" TEXT,
    "quest_line_name" TEXT,
    "quest_line_description" TEXT,
    "quest_step_summary" TEXT,

    CONSTRAINT "item_text_pkey" PRIMARY KEY ("item_hash","lang")
);

-- CreateTable
CREATE TABLE "game"."item_reward" (
    "item_hash" BIGINT NOT NULL,
    "position" INTEGER NOT NULL,
    "reward_item_hash" BIGINT NOT NULL,
    "quantity" INTEGER NOT NULL,

    CONSTRAINT "item_reward_pkey" PRIMARY KEY ("item_hash","position")
);

-- CreateTable
CREATE TABLE "game"."quest_step" (
    "quest_hash" BIGINT NOT NULL,
    "step_index" INTEGER NOT NULL,
    "step_hash" BIGINT NOT NULL,

    CONSTRAINT "quest_step_pkey" PRIMARY KEY ("quest_hash","step_index")
);

-- CreateTable
CREATE TABLE "game"."place" (
    "hash" BIGINT NOT NULL,
    "index" INTEGER NOT NULL,
    "redacted" BOOLEAN NOT NULL,
    "icon" TEXT,

    CONSTRAINT "place_pkey" PRIMARY KEY ("hash")
);

-- CreateTable
CREATE TABLE "game"."place_text" (
    "place_hash" BIGINT NOT NULL,
    "lang" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL,

    CONSTRAINT "place_text_pkey" PRIMARY KEY ("place_hash","lang")
);

-- CreateTable
CREATE TABLE "game"."destination" (
    "hash" BIGINT NOT NULL,
    "index" INTEGER NOT NULL,
    "redacted" BOOLEAN NOT NULL,
    "icon" TEXT,
    "place_hash" BIGINT,
    "default_freeroam_activity_hash" BIGINT,

    CONSTRAINT "destination_pkey" PRIMARY KEY ("hash")
);

-- CreateTable
CREATE TABLE "game"."destination_text" (
    "destination_hash" BIGINT NOT NULL,
    "lang" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL,

    CONSTRAINT "destination_text_pkey" PRIMARY KEY ("destination_hash","lang")
);

-- CreateTable
CREATE TABLE "game"."activity" (
    "hash" BIGINT NOT NULL,
    "index" INTEGER NOT NULL,
    "redacted" BOOLEAN NOT NULL,
    "icon" TEXT,
    "destination_hash" BIGINT,
    "place_hash" BIGINT,
    "activity_type_hash" BIGINT,
    "activity_light_level" INTEGER NOT NULL,
    "tier" INTEGER NOT NULL,
    "is_pvp" BOOLEAN NOT NULL,
    "is_playlist" BOOLEAN NOT NULL,
    "pgcr_image" TEXT,
    "release_time" INTEGER,
    "activity_mode_types" INTEGER[],

    CONSTRAINT "activity_pkey" PRIMARY KEY ("hash")
);

-- CreateTable
CREATE TABLE "game"."activity_text" (
    "activity_hash" BIGINT NOT NULL,
    "lang" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL,

    CONSTRAINT "activity_text_pkey" PRIMARY KEY ("activity_hash","lang")
);

-- CreateTable
CREATE TABLE "game"."activity_reward" (
    "activity_hash" BIGINT NOT NULL,
    "position" INTEGER NOT NULL,
    "item_hash" BIGINT NOT NULL,
    "quantity" INTEGER NOT NULL,

    CONSTRAINT "activity_reward_pkey" PRIMARY KEY ("activity_hash","position")
);

-- CreateTable
CREATE TABLE "game"."vendor" (
    "hash" BIGINT NOT NULL,
    "index" INTEGER NOT NULL,
    "redacted" BOOLEAN NOT NULL,
    "icon" TEXT,
    "vendor_identifier" TEXT,
    "enabled" BOOLEAN NOT NULL,
    "visible" BOOLEAN NOT NULL,
    "faction_hash" BIGINT,
    "reset_interval_minutes" INTEGER,

    CONSTRAINT "vendor_pkey" PRIMARY KEY ("hash")
);

-- CreateTable
CREATE TABLE "game"."vendor_text" (
    "vendor_hash" BIGINT NOT NULL,
    "lang" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "subtitle" TEXT,

    CONSTRAINT "vendor_text_pkey" PRIMARY KEY ("vendor_hash","lang")
);

-- CreateTable
CREATE TABLE "game"."vendor_sale" (
    "vendor_hash" BIGINT NOT NULL,
    "vendor_item_index" INTEGER NOT NULL,
    "item_hash" BIGINT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "category_index" INTEGER,

    CONSTRAINT "vendor_sale_pkey" PRIMARY KEY ("vendor_hash","vendor_item_index")
);

-- CreateTable
CREATE TABLE "game"."vendor_sale_cost" (
    "vendor_hash" BIGINT NOT NULL,
    "vendor_item_index" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "currency_hash" BIGINT NOT NULL,
    "quantity" INTEGER NOT NULL,

    CONSTRAINT "vendor_sale_cost_pkey" PRIMARY KEY ("vendor_hash","vendor_item_index","position")
);

-- CreateTable
CREATE TABLE "game"."vendor_location" (
    "vendor_hash" BIGINT NOT NULL,
    "position" INTEGER NOT NULL,
    "destination_hash" BIGINT NOT NULL,

    CONSTRAINT "vendor_location_pkey" PRIMARY KEY ("vendor_hash","position")
);

-- CreateIndex
CREATE INDEX "item_item_type_tier_type_idx" ON "game"."item"("item_type", "tier_type");

-- CreateIndex
CREATE INDEX "item_tier_type_idx" ON "game"."item"("tier_type");

-- CreateIndex
CREATE INDEX "item_is_currency_idx" ON "game"."item"("is_currency");

-- CreateIndex
CREATE INDEX "item_text_lang_name_idx" ON "game"."item_text"("lang", "name");

-- CreateIndex
CREATE INDEX "item_reward_reward_item_hash_idx" ON "game"."item_reward"("reward_item_hash");

-- CreateIndex
CREATE INDEX "quest_step_step_hash_idx" ON "game"."quest_step"("step_hash");

-- CreateIndex
CREATE INDEX "place_text_lang_name_idx" ON "game"."place_text"("lang", "name");

-- CreateIndex
CREATE INDEX "destination_place_hash_idx" ON "game"."destination"("place_hash");

-- CreateIndex
CREATE INDEX "destination_text_lang_name_idx" ON "game"."destination_text"("lang", "name");

-- CreateIndex
CREATE INDEX "activity_destination_hash_idx" ON "game"."activity"("destination_hash");

-- CreateIndex
CREATE INDEX "activity_text_lang_name_idx" ON "game"."activity_text"("lang", "name");

-- CreateIndex
CREATE INDEX "activity_reward_item_hash_idx" ON "game"."activity_reward"("item_hash");

-- CreateIndex
CREATE INDEX "vendor_text_lang_name_idx" ON "game"."vendor_text"("lang", "name");

-- CreateIndex
CREATE INDEX "vendor_sale_item_hash_idx" ON "game"."vendor_sale"("item_hash");

-- CreateIndex
CREATE INDEX "vendor_sale_cost_currency_hash_idx" ON "game"."vendor_sale_cost"("currency_hash");

-- CreateIndex
CREATE INDEX "vendor_location_destination_hash_idx" ON "game"."vendor_location"("destination_hash");

-- AddForeignKey
ALTER TABLE "game"."item_text" ADD CONSTRAINT "item_text_item_hash_fkey" FOREIGN KEY ("item_hash") REFERENCES "game"."item"("hash") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "game"."item_reward" ADD CONSTRAINT "item_reward_item_hash_fkey" FOREIGN KEY ("item_hash") REFERENCES "game"."item"("hash") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "game"."item_reward" ADD CONSTRAINT "item_reward_reward_item_hash_fkey" FOREIGN KEY ("reward_item_hash") REFERENCES "game"."item"("hash") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "game"."quest_step" ADD CONSTRAINT "quest_step_quest_hash_fkey" FOREIGN KEY ("quest_hash") REFERENCES "game"."item"("hash") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "game"."quest_step" ADD CONSTRAINT "quest_step_step_hash_fkey" FOREIGN KEY ("step_hash") REFERENCES "game"."item"("hash") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "game"."place_text" ADD CONSTRAINT "place_text_place_hash_fkey" FOREIGN KEY ("place_hash") REFERENCES "game"."place"("hash") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "game"."destination" ADD CONSTRAINT "destination_place_hash_fkey" FOREIGN KEY ("place_hash") REFERENCES "game"."place"("hash") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "game"."destination_text" ADD CONSTRAINT "destination_text_destination_hash_fkey" FOREIGN KEY ("destination_hash") REFERENCES "game"."destination"("hash") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "game"."activity" ADD CONSTRAINT "activity_destination_hash_fkey" FOREIGN KEY ("destination_hash") REFERENCES "game"."destination"("hash") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "game"."activity" ADD CONSTRAINT "activity_place_hash_fkey" FOREIGN KEY ("place_hash") REFERENCES "game"."place"("hash") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "game"."activity_text" ADD CONSTRAINT "activity_text_activity_hash_fkey" FOREIGN KEY ("activity_hash") REFERENCES "game"."activity"("hash") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "game"."activity_reward" ADD CONSTRAINT "activity_reward_activity_hash_fkey" FOREIGN KEY ("activity_hash") REFERENCES "game"."activity"("hash") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "game"."activity_reward" ADD CONSTRAINT "activity_reward_item_hash_fkey" FOREIGN KEY ("item_hash") REFERENCES "game"."item"("hash") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "game"."vendor_text" ADD CONSTRAINT "vendor_text_vendor_hash_fkey" FOREIGN KEY ("vendor_hash") REFERENCES "game"."vendor"("hash") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "game"."vendor_sale" ADD CONSTRAINT "vendor_sale_vendor_hash_fkey" FOREIGN KEY ("vendor_hash") REFERENCES "game"."vendor"("hash") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "game"."vendor_sale" ADD CONSTRAINT "vendor_sale_item_hash_fkey" FOREIGN KEY ("item_hash") REFERENCES "game"."item"("hash") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "game"."vendor_sale_cost" ADD CONSTRAINT "vendor_sale_cost_vendor_hash_vendor_item_index_fkey" FOREIGN KEY ("vendor_hash", "vendor_item_index") REFERENCES "game"."vendor_sale"("vendor_hash", "vendor_item_index") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "game"."vendor_sale_cost" ADD CONSTRAINT "vendor_sale_cost_currency_hash_fkey" FOREIGN KEY ("currency_hash") REFERENCES "game"."item"("hash") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "game"."vendor_location" ADD CONSTRAINT "vendor_location_vendor_hash_fkey" FOREIGN KEY ("vendor_hash") REFERENCES "game"."vendor"("hash") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "game"."vendor_location" ADD CONSTRAINT "vendor_location_destination_hash_fkey" FOREIGN KEY ("destination_hash") REFERENCES "game"."destination"("hash") ON DELETE CASCADE ON UPDATE CASCADE;
