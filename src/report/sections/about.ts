import type { SectionContext } from "./context.js";

/** The model in a paragraph: its outcomes, rewards and log(1/p*). */
export function aboutModel(ctx: SectionContext): string[] {
  const { at, isWords } = ctx;
  const parts: string[] = [];
  parts.push(
    isWords
      ? `<p>The reference p is how often each of ${at.num(["outcomes"])} English words is spoken in film
subtitles (SUBTLEX-US); the reward is the word's AFINN-165 sentiment, from ${at.num(["rewardMin"])} (most
negative) to ${at.num(["rewardMax"])} (most positive). Most words are not in the sentiment lexicon and score
${at.num(["largestLevel", "reward"])}: ${at.num(["largestLevel", "mass"], "pct")} of spoken words are such ties,
among which best-of-N cannot choose. A word drawn from p has expected sentiment ${at.num(["meanReward"])}. The
top sentiment has total probability p* with log(1/p*) = ${at.num(["klMax"])} nats: no policy needs more KL than
that, since putting all probability on the top words costs exactly that much.</p>`
      : `<p>This model has ${at.num(["outcomes"])} outcomes with ${at.num(["rewardLevels"])} different rewards.
Under p the expected reward is ${at.num(["meanReward"])}; the best reward, ${at.num(["rewardMax"])}, has
probability p* with log(1/p*) = ${at.num(["klMax"])} nats: no policy needs more KL than that, since putting all
probability on the best outcomes costs exactly that much.</p>`,
  );
  return parts;
}
