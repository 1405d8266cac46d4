/**
 * A questionnaire as data (outcome evaluation): what a coordinator defines on its page or imports
 * as JSON, stored as one immutable version (`questionnaire_versions.definition_json`), shown to a
 * family in its language, and answered as `Answers`.
 *
 * Item kinds: a 1–5 Likert scale with a label per point, yes/no, one choice among options, short
 * text. Every wording is given in zh-CN and en. The consent text is part of the questionnaire: a
 * family sees it first and answers nothing without agreeing to it.
 *
 * Pure: zod only.
 */
import { z } from 'zod';
import { Id } from './schemas';
import { text } from './text';

/** A wording in both locales. */
export const Wording = z.strictObject({
  'zh-CN': text().trim().min(1).max(500),
  en: text().trim().min(1).max(500),
});
export type Wording = z.infer<typeof Wording>;

export const LIKERT_POINTS = [1, 2, 3, 4, 5] as const;

const itemBase = { id: Id, text: Wording, required: z.boolean().default(true) };

export const QuestionnaireItem = z.discriminatedUnion('kind', [
  z.strictObject({ ...itemBase, kind: z.literal('likert'), labels: z.array(Wording).length(LIKERT_POINTS.length) }),
  z.strictObject({ ...itemBase, kind: z.literal('yesNo') }),
  z.strictObject({
    ...itemBase,
    kind: z.literal('choice'),
    options: z.array(z.strictObject({ id: Id, text: Wording })).min(2).max(12),
  }),
  z.strictObject({ ...itemBase, kind: z.literal('text'), maxLength: z.number().int().min(1).max(1000).default(300) }),
]);
export type QuestionnaireItem = z.infer<typeof QuestionnaireItem>;
export type QuestionnaireItemKind = QuestionnaireItem['kind'];

export const QuestionnaireDefinition = z
  .strictObject({
    title: Wording,
    consent: Wording,
    items: z.array(QuestionnaireItem).min(1).max(40),
  })
  .refine((q) => new Set(q.items.map((i) => i.id)).size === q.items.length, { message: 'item ids must be unique', path: ['items'] });
export type QuestionnaireDefinition = z.infer<typeof QuestionnaireDefinition>;

/**
 * One family's answers, by item id: a Likert point (1–5), yes (true) / no (false), a choice's
 * option id, or the text typed. An optional item left blank is absent.
 */
export type AnswerValue = number | boolean | string;
export type Answers = Record<string, AnswerValue>;
