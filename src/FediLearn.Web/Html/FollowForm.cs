using FediLearn.Core.Data.Entities;
using static FediLearn.Web.Html.HtmlLayout;

namespace FediLearn.Web.Html;

/// <summary>What the visitor typed into the follow form and, when it could not be used, why (shown beside the field).</summary>
public sealed record FollowFormState(string? Handle, string? Error);

/// <summary>
/// "Follow from your fediverse account": the visitor gives their handle, <c>Endpoints/FollowEndpoints</c> asks their
/// server (WebFinger) where its follow dialog is and sends them there. A plain GET form: no JavaScript, no cookie.
/// </summary>
public static class FollowForm
{
    public const string FieldId = "follow-handle";

    public static string Section(LocalActor actor, string handle, string id, FollowFormState? state)
    {
        var action = actor.Kind == ActorKind.Group ? $"/g/{actor.Name}/follow" : $"/u/{actor.Name}/follow";
        var error = state?.Error;
        var describedBy = error is null ? $"{FieldId}-hint" : $"{FieldId}-hint {FieldId}-error";
        var approval = actor.Kind != ActorKind.Group ? ""
            : actor.ManuallyApprovesFollowers
                ? "<p>Facilitators approve each follow request: after you follow, your request shows as pending until they accept it.</p>"
                : "<p>Anyone can follow: your follow is accepted at once.</p>";
        var what = actor.Kind == ActorKind.Group
            ? "<p>Prompts, posts and session announcements of the group then appear in your home timeline, and your replies reach everyone in the group.</p>"
            : "";
        return $"""
            <section class="card" aria-labelledby="follow">
            <h2 id="follow">Follow from your fediverse account</h2>
            <form method="get" action="{E(action)}" class="follow-form">
            <label for="{FieldId}">Your fediverse handle</label>
            <input type="text" id="{FieldId}" name="handle" value="{E(state?.Handle)}" autocomplete="username" autocapitalize="none" spellcheck="false" inputmode="email" aria-describedby="{describedBy}"{(error is null ? "" : " aria-invalid=\"true\"")}>
            <p class="hint" id="{FieldId}-hint">For example <code>@you@your.server</code> or <code>you@your.server</code>. Your server opens its follow dialog for <code>{E(handle)}</code>.</p>
            {(error is null ? "" : $"<p class=\"field-error\" id=\"{FieldId}-error\">{E(error)}</p>")}
            <button type="submit">Follow</button>
            </form>
            <p>Or search for <code>{E(handle)}</code> in Mastodon (or any fediverse app), or paste this page's address
            <code>{E(id)}</code> into its search box, then choose <strong>Follow</strong>.</p>
            {approval}{what}
            </section>
            """;
    }
}
