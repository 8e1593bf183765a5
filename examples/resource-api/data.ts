/** The example's data: public questions, and per-user profile, inbox and answers. */
export interface Question { question_id: number; title: string; score: number }

export const QUESTIONS: Question[] = [
  { question_id: 1, title: 'How do I use PKCE with the authorization code flow?', score: 42 },
  { question_id: 2, title: 'Why must the state parameter be random?', score: 17 },
];

export interface InboxItem { item_type: 'comment' | 'new_answer'; title: string; is_unread: boolean }

export function inboxOf(user: string): InboxItem[] {
  return [{ item_type: 'new_answer', title: `An answer for ${user}: use S256, never plain`, is_unread: true }];
}

export const answers: { question_id: number; body: string; owner: string }[] = [];
