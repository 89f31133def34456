// Reads firstword's POST /api/chat with the real Vercel AI SDK, as useChat does: the request is
// sent by the SDK's DefaultChatTransport (useChat's body: id, messages with parts, trigger), whose
// reader validates every part against the installed `ai` package's uiMessageChunkSchema and
// throws on one that does not match; readUIMessageStream then builds the assistant's UIMessage.
//
//   FIRSTWORD_API_KEY=KEY node read_ui_stream.mjs URL QUESTION [PERSONA]
//
// Prints one JSON object: {chunks, message, errors}. Exits 1 (with {failure}) when the SDK
// refuses the response or a part of it.
import { DefaultChatTransport, readUIMessageStream } from "ai";

const [url, question = "Hello", persona] = process.argv.slice(2);
if (!url) {
  console.error("usage: node read_ui_stream.mjs URL QUESTION [PERSONA]");
  process.exit(2);
}

const transport = new DefaultChatTransport({
  api: url,
  headers: { Authorization: `Bearer ${process.env.FIRSTWORD_API_KEY ?? ""}` },
  body: persona ? { persona } : {},
});

try {
  const stream = await transport.sendMessages({
    trigger: "submit-message",
    chatId: "chat-node-check",
    messageId: undefined,
    messages: [{ id: "user-1", role: "user", parts: [{ type: "text", text: question }] }],
    abortSignal: undefined,
  });
  const [forChunks, forMessage] = stream.tee();
  const chunks = [];
  const collecting = (async () => {
    // A copy: both branches of the tee share each chunk object, and readUIMessageStream updates
    // a data part in place when a later one with the same id arrives.
    for await (const chunk of forChunks) chunks.push(structuredClone(chunk));
  })();
  const errors = [];
  let message = null;
  for await (const snapshot of readUIMessageStream({
    stream: forMessage,
    onError: (error) => errors.push(String(error?.message ?? error)),
  })) {
    message = snapshot;
  }
  await collecting;
  console.log(JSON.stringify({ chunks, message, errors }));
} catch (error) {
  console.log(JSON.stringify({ failure: String(error?.message ?? error), name: error?.name ?? null }));
  process.exit(1);
}
