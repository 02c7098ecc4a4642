// /core/doc-openapi (issue 15.8): an operation's description says more than its summary: why and when to
// use it, what it answers, which errors it gives. Fails when the description is missing or only repeats
// the summary (case, spaces and a final full stop ignored). Written for this repository.
const kaal = (tekst) => String(tekst || "").toLowerCase().replace(/\s+/g, " ").trim().replace(/[.\s]+$/, "");

module.exports = (operatie) => {
  if (operatie === null || typeof operatie !== "object") return [];
  const beschrijving = kaal(operatie.description);
  if (!beschrijving) return [{ message: "De operatie heeft geen beschrijving." }];
  if (beschrijving === kaal(operatie.summary)) {
    return [{ message: "De beschrijving herhaalt alleen de samenvatting: zeg waarom en wanneer, wat het antwoord is en welke fouten." }];
  }
  return [];
};
