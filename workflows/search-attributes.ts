import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from '../src/temporal/names';

export const SEARCH_ATTRIBUTES_KEYS = {
  table: defineSearchAttributeKey(SEARCH_ATTRIBUTES.table, SearchAttributeType.KEYWORD),
  source: defineSearchAttributeKey(SEARCH_ATTRIBUTES.source, SearchAttributeType.KEYWORD),
  target: defineSearchAttributeKey(SEARCH_ATTRIBUTES.target, SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey(SEARCH_ATTRIBUTES.status, SearchAttributeType.KEYWORD),
};
