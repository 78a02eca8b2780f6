using System.Net;

namespace BertNer.Hub;

/// <summary>
/// Turns the hub's error answers into messages for people. The hub names the problem in an <c>X-Error-Code</c>
/// header (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo); a plain 404 from a mirror without it is
/// read as "no such file". Token values never enter a message: only where the token came from.
/// </summary>
internal static class HubErrors
{
    /// <summary>A 404 that means "this file is not in the repository" (so an optional file may be skipped).</summary>
    public static bool IsEntryNotFound(HttpResponseMessage r) =>
        r.StatusCode == HttpStatusCode.NotFound && ErrorCode(r) is null or "EntryNotFound";

    /// <summary>Nothing for a success; otherwise the exception to throw: transient (worth a retry) or a <see cref="BertNerException"/>.</summary>
    public static Exception? ForStatus(HttpResponseMessage r, HubModelId model, string file, HubOptions options)
    {
        int status = (int)r.StatusCode;
        if (status is >= 200 and < 300) return null;
        var code = ErrorCode(r);
        var said = ServerMessage(r, options);
        var what = $"HTTP {status} {r.ReasonPhrase}".TrimEnd();
        if (status is 408 or 429 or >= 500) return new TransientHubException(what + said);

        var endpoint = options.Endpoint;
        var tokenNote = options.HasToken
            ? $"The token from {options.TokenSource} was sent"
            : "No token was sent (HF_TOKEN is not set)";
        switch (status, code)
        {
            case (401 or 403, "GatedRepo"):
                return new BertNerException(BertNerErrorKind.PermissionDenied,
                    $"'{model.Id}' is a gated model ({what}{said}). {tokenNote}. Log in at {endpoint}/{model.Id}, accept its conditions, "
                    + "then set HF_TOKEN to a read token of that account (created at " + endpoint + "/settings/tokens).", model.Id);
            case (401, "RepoNotFound") or (404, "RepoNotFound"):
                return new BertNerException(BertNerErrorKind.ObjectNotFound,
                    $"No model '{model.Id}' is visible at {endpoint} ({what}{said}). Check the id (e.g. 'dslim/bert-base-NER'). "
                    + (options.HasToken
                        ? $"If the model is private, the token from {options.TokenSource} does not give access to it."
                        : "If the model is private or gated, set HF_TOKEN to a token that can read it."), model.Id);
            case (404, "RevisionNotFound"):
                return new BertNerException(BertNerErrorKind.ObjectNotFound,
                    $"Model '{model.Id}' has no revision '{model.Revision}' at {endpoint} ({what}{said}). Use a branch, tag or commit hash the model has (default 'main').", model.ToString());
            case (401, _):
                return new BertNerException(BertNerErrorKind.PermissionDenied,
                    $"{endpoint} refused '{file}' of '{model}' ({what}{said}). {tokenNote}; "
                    + (options.HasToken ? "it is invalid or expired: create a new read token at " + endpoint + "/settings/tokens and set HF_TOKEN to it."
                        : "the model is private or gated: set HF_TOKEN to a token that can read it."), model.Id);
            case (403, _):
                return new BertNerException(BertNerErrorKind.PermissionDenied,
                    $"{endpoint} denied access to '{file}' of '{model}' ({what}{said}). {tokenNote}; "
                    + "set HF_TOKEN to a token with read access to this model (a fine-grained token must list it).", model.Id);
            case (404, _):
                return new BertNerException(BertNerErrorKind.ObjectNotFound,
                    $"{endpoint} has no '{file}' for '{model}' ({what}{said}): the model, the revision or the file does not exist. Check the id and revision.", model.ToString());
            default:
                return new BertNerException(BertNerErrorKind.ResourceUnavailable,
                    $"{endpoint} answered {what}{said} for '{file}' of '{model}', which BertNer does not know how to handle.", model.ToString());
        }
    }

    /// <summary>Retries are spent: one message naming the model, the file and the last reason.</summary>
    public static BertNerException Unavailable(TransientHubException e, HubModelId model, string file, HubOptions options) =>
        new(BertNerErrorKind.ResourceUnavailable,
            $"Could not get '{file}' of '{model}' from {options.Endpoint} after {e.Attempts} attempt(s): {options.Redact(e.Reason)}. "
            + "Check the network and HF_ENDPOINT; once the model is in the cache, HF_HUB_OFFLINE=1 works without the network.", model.ToString(), e);

    /// <summary>A HEAD answer lacking the headers every Hugging Face Hub sends.</summary>
    public static BertNerException NotAHub(HubModelId model, string file, HubOptions options, string missing) =>
        new(BertNerErrorKind.ResourceUnavailable,
            $"{options.Endpoint} answered for '{file}' of '{model}' without the {missing} header a Hugging Face Hub sends. "
            + "Is HF_ENDPOINT the hub (or a mirror of it) and not a proxy or plain web server?", options.Endpoint);

    private static string? ErrorCode(HttpResponseMessage r) =>
        r.Headers.NonValidated.TryGetValues("X-Error-Code", out var v) ? v.FirstOrDefault()?.Trim() : null;

    private static string ServerMessage(HttpResponseMessage r, HubOptions options)
    {
        if (!r.Headers.NonValidated.TryGetValues("X-Error-Message", out var v) || v.FirstOrDefault() is not { Length: > 0 } m) return "";
        m = options.Redact(m.Trim());
        return ": " + (m.Length <= 200 ? m : m[..200] + "…");
    }
}
