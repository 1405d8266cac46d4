import { emailKey, messageIdFor } from '../../mail/message-id';

describe('message ids', () => {
  const key = emailKey({ workflowId: 'themed-activity-A001', purpose: 'approvalRequest', recipientKey: 'staff:gw-1', round: 1 });

  it('builds a readable outbox key', () => {
    expect(key).toBe('themed-activity-A001/approvalRequest/staff:gw-1/1');
    expect(emailKey({ workflowId: 'w', purpose: 'reminder', recipientKey: 'family:F1', round: '3d' })).toBe('w/reminder/family:F1/3d');
  });

  it('keeps distinct parts distinct', () => {
    const a = emailKey({ workflowId: 'a/b', purpose: 'c', recipientKey: 'd', round: 1 });
    const b = emailKey({ workflowId: 'a', purpose: 'b/c', recipientKey: 'd', round: 1 });
    expect(a).not.toBe(b);
    expect(emailKey({ workflowId: 'a%2Fb', purpose: 'c', recipientKey: 'd', round: 1 })).not.toBe(a);
    expect(() => emailKey({ workflowId: '', purpose: 'c', recipientKey: 'd', round: 1 })).toThrow();
  });

  it('derives a stable Message-ID from the key', () => {
    const id = messageIdFor(key, 'jinhua.example');
    expect(id).toMatch(/^[0-9a-f]{32}@jinhua\.example$/);
    expect(messageIdFor(key, 'jinhua.example')).toBe(id);
    expect(messageIdFor(emailKey({ workflowId: 'themed-activity-A001', purpose: 'approvalRequest', recipientKey: 'staff:gw-1', round: 2 }), 'jinhua.example')).not.toBe(id);
    expect(() => messageIdFor(key, 'not a domain')).toThrow();
    expect(() => messageIdFor(key, '<evil>')).toThrow();
  });
});
