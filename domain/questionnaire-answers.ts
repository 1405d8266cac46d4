/**
 * A family's answers to one questionnaire version, read from its answer page's form: one field
 * per item (`item:<itemId>`), checked against the items (a Likert point 1–5, yes/no, one of the
 * choice's options, text within its length). Pure, so the page names what is missing and the
 * service refuses the same things.
 */
import { LIKERT_POINTS, type Answers, type QuestionnaireDefinition, type QuestionnaireItem } from './questionnaire';
import { isSafeText } from './text-rule';

export const ANSWER_FIELD_PREFIX = 'item:';
export const answerField = (itemId: string): string => `${ANSWER_FIELD_PREFIX}${itemId}`;

export type AnswerCheck = { ok: true; answers: Answers } | { ok: false; missing: string[]; invalid: string[] };

function valueOf(item: QuestionnaireItem, raw: string): { value?: Answers[string]; invalid?: true } {
  switch (item.kind) {
    case 'likert': {
      const n = /^[1-5]$/.test(raw) ? Number(raw) : NaN;
      return (LIKERT_POINTS as readonly number[]).includes(n) ? { value: n } : { invalid: true };
    }
    case 'yesNo':
      return raw === 'yes' ? { value: true } : raw === 'no' ? { value: false } : { invalid: true };
    case 'choice':
      return item.options.some((o) => o.id === raw) ? { value: raw } : { invalid: true };
    case 'text':
      return raw.length <= item.maxLength && isSafeText(raw) ? { value: raw } : { invalid: true };
  }
}

/** Checks the form's values (item field → text) against the definition; blank optional items are left out. */
export function checkAnswers(definition: QuestionnaireDefinition, form: Readonly<Record<string, string | undefined>>): AnswerCheck {
  const answers: Answers = {};
  const missing: string[] = [];
  const invalid: string[] = [];
  for (const item of definition.items) {
    const raw = (form[answerField(item.id)] ?? '').trim();
    if (raw === '') {
      if (item.required) missing.push(item.id);
      continue;
    }
    const v = valueOf(item, raw);
    if (v.invalid) invalid.push(item.id);
    else if (v.value !== undefined) answers[item.id] = v.value;
  }
  return missing.length || invalid.length ? { ok: false, missing, invalid } : { ok: true, answers };
}

/** Checks answers already in their stored shape (the service's own guard, and tests that answer directly). */
export function checkStoredAnswers(definition: QuestionnaireDefinition, answers: Readonly<Answers>): AnswerCheck {
  const form: Record<string, string> = {};
  for (const item of definition.items) {
    const v = answers[item.id];
    if (v === undefined) continue;
    form[answerField(item.id)] = typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v);
  }
  const unknown = Object.keys(answers).filter((id) => !definition.items.some((i) => i.id === id));
  const checked = checkAnswers(definition, form);
  if (unknown.length === 0) return checked;
  return { ok: false, missing: checked.ok ? [] : checked.missing, invalid: [...(checked.ok ? [] : checked.invalid), ...unknown] };
}
