/**
 * The survey emails (mail/survey-templates.ts): in the family's language, with its link, the close
 * and the link's expiry in Beijing time, every value escaped.
 */
import { renderSurveyEmail } from '../../mail/survey-templates';
import type { SurveyEmailMessage } from '../../domain/emails';

const message: SurveyEmailMessage = {
  purpose: 'surveyInvitation',
  recipientName: '刘家 <b>',
  title: '活动满意度调查',
  about: '亲子运动会',
  kind: 'activity',
  url: 'https://cogov.test/survey/abc.def?lang=zh-CN',
  closesAt: '2026-12-09T10:00:00.000Z',
  linkExpiresAt: '2027-06-07T10:00:00.000Z',
};

test('an invitation in Chinese names the activity, the close in Beijing time and the family’s own link', () => {
  const r = renderSurveyEmail(message, 'zh-CN', Date.parse('2026-12-02T00:00:00Z'));
  expect(r.subject).toBe('【问卷邀请】活动满意度调查');
  expect(r.text).toContain('感谢您参加“亲子运动会”');
  expect(r.text).toContain('18:00');
  expect(r.text).toContain(message.url);
  expect(r.html).toContain('刘家 &lt;b&gt;');
  expect(r.html).not.toContain('<b>');
});

test('a reminder in English says so and keeps the link', () => {
  const r = renderSurveyEmail({ ...message, purpose: 'surveyReminder', title: 'Activity survey' }, 'en', Date.parse('2026-12-02T00:00:00Z'));
  expect(r.subject).toBe('Reminder: Activity survey');
  expect(r.text).toContain('You have not answered this survey yet');
  expect(r.html).toContain(`href="${message.url}"`);
});

test('baseline and end invitations say what they are about', () => {
  expect(renderSurveyEmail({ ...message, kind: 'baseline', about: '第三期孵化周期' }, 'zh-CN').text).toContain('“第三期孵化周期”开始了');
  expect(renderSurveyEmail({ ...message, kind: 'end', about: '第三期孵化周期' }, 'en').text).toContain('"第三期孵化周期" is ending soon');
});
