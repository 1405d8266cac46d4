import { RegistrationError, Registrations } from '../../db/services/registration';
import { seedWorld } from './fixtures';
import { DIALECTS, useTestDatabase } from './harness';

describe.each(DIALECTS)('registration on %s', (dialect) => {
  const t = useTestDatabase(dialect);

  it('capacity counts members, and registering twice returns the existing state and changes nothing', async () => {
    const w = await seedWorld(t.db, { families: 3, capacity: 5 });
    const reg = new Registrations(t.db);
    const [f0, f1, f2] = w.families as [string, string, string];
    expect(await reg.register(w.activityId, f0, 3)).toBe('registered');
    expect(await reg.register(w.activityId, f1, 3)).toBe('waitlisted'); // 3 + 3 > 5
    expect(await reg.register(w.activityId, f2, 2)).toBe('registered'); // 3 + 2 = 5
    const before = await reg.list(w.activityId);
    expect(await reg.register(w.activityId, f0, 1)).toBe('registered');
    expect(await reg.register(w.activityId, f1, 1)).toBe('waitlisted');
    expect(await reg.list(w.activityId)).toEqual(before);
    expect(await reg.placesLeft(w.activityId)).toBe(0);
  });

  it('a waitlisted family gets the freed place (the function returns who was promoted)', async () => {
    const w = await seedWorld(t.db, { families: 4, capacity: 4 });
    const reg = new Registrations(t.db);
    const [f0, f1, f2, f3] = w.families as [string, string, string, string];
    await reg.register(w.activityId, f0, 2);
    await reg.register(w.activityId, f1, 2);
    expect(await reg.register(w.activityId, f2, 3)).toBe('waitlisted');
    expect(await reg.register(w.activityId, f3, 2)).toBe('waitlisted');

    // Two places free up: f2 (3 people) does not fit, f3 (2) does and is promoted past it.
    const result = await reg.cancel(w.activityId, f0);
    expect(result).toEqual({ cancelled: true, promoted: [{ key: `family:${f3}`, name: '家庭 3', email: 'f3@example.com', locale: 'zh-CN' }] });
    expect((await reg.get(w.activityId, f3))?.status).toBe('registered');
    expect((await reg.get(w.activityId, f2))?.status).toBe('waitlisted');

    // Two places again: still not enough for f2.
    expect(await reg.cancel(w.activityId, f1)).toEqual({ cancelled: true, promoted: [] });
    // Four places: f2, waiting first, now fits.
    expect((await reg.cancel(w.activityId, f3)).promoted.map((r) => r.key)).toEqual([`family:${f2}`]);
    expect((await reg.get(w.activityId, f0))?.status).toBe('cancelled');
    expect(await reg.placesLeft(w.activityId)).toBe(1);

    // Cancelling again changes nothing and promotes nobody.
    expect(await reg.cancel(w.activityId, f1)).toEqual({ cancelled: false, promoted: [] });
  });

  it('a family that cancelled can register again, at the back of the queue', async () => {
    const w = await seedWorld(t.db, { families: 2, capacity: 2 });
    const reg = new Registrations(t.db);
    const [f0, f1] = w.families as [string, string];
    await reg.register(w.activityId, f0, 2);
    await reg.cancel(w.activityId, f0);
    expect(await reg.register(w.activityId, f1, 2)).toBe('registered');
    expect(await reg.register(w.activityId, f0, 2)).toBe('waitlisted');
  });

  it('concurrent registrations never overfill the activity', async () => {
    const w = await seedWorld(t.db, { families: 12, capacity: 10 });
    const reg = new Registrations(t.db);
    const results = await Promise.all(w.families.map((f) => reg.register(w.activityId, f, 2)));
    expect(results.filter((r) => r === 'registered')).toHaveLength(5);
    expect(await reg.placesLeft(w.activityId)).toBe(0);
    const seqs = (await reg.list(w.activityId)).map((r) => r.seq);
    expect(new Set(seqs).size).toBe(12);
  });

  it('refuses unknown activities and families, and more people than the activity holds', async () => {
    const w = await seedWorld(t.db, { families: 1, capacity: 3 });
    const reg = new Registrations(t.db);
    await expect(reg.register('nope', w.families[0] as string, 1)).rejects.toMatchObject({ code: 'ACTIVITY_NOT_FOUND' });
    await expect(reg.register(w.activityId, 'nope', 1)).rejects.toMatchObject({ code: 'FAMILY_NOT_FOUND' });
    await expect(reg.register(w.activityId, w.families[0] as string, 4)).rejects.toBeInstanceOf(RegistrationError);
    await expect(reg.register(w.activityId, w.families[0] as string, 0)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('volunteers sign up once and can withdraw', async () => {
    const w = await seedWorld(t.db, { volunteers: 1 });
    const reg = new Registrations(t.db);
    const v = w.volunteers[0] as string;
    expect(await reg.signUpVolunteer(w.activityId, v)).toBe('signedUp');
    expect(await reg.signUpVolunteer(w.activityId, v)).toBe('alreadySignedUp');
    await expect(reg.signUpVolunteer(w.activityId, 'ghost')).rejects.toMatchObject({ code: 'VOLUNTEER_NOT_FOUND' });
    expect(await reg.withdrawVolunteer(w.activityId, v)).toBe(true);
    expect(await reg.withdrawVolunteer(w.activityId, v)).toBe(false);
  });
});
