/**
 * Custom search attributes. They are stored unencrypted in Temporal's visibility store, so they
 * carry ids and stages only: never a name, phone number or email address.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const ActivityStageKey = defineSearchAttributeKey('ActivityStage', SearchAttributeType.KEYWORD);
export const CycleIdKey = defineSearchAttributeKey('CycleId', SearchAttributeType.KEYWORD);
export const CompoundKey = defineSearchAttributeKey('Compound', SearchAttributeType.KEYWORD);
export const ActivityStartsAtKey = defineSearchAttributeKey('ActivityStartsAt', SearchAttributeType.DATETIME);

/** Name → type, for registering them with a server (`--search-attribute Name=Type`, operator service). */
export const CUSTOM_SEARCH_ATTRIBUTES = {
  ActivityStage: 'Keyword',
  CycleId: 'Keyword',
  Compound: 'Keyword',
  ActivityStartsAt: 'Datetime',
} as const;
