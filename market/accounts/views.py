"""Account pages: register, sign in, sign out, profile, password."""
from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from market.accounts import bp, services
from market.accounts.forms import LoginForm, PasswordForm, ProfileForm, RegisterForm
from market.core.i18n import select_locale
from market.core.phones import display_phone
from market.core.security import redirect_next, safe_next
from market.extensions import limiter

# Kept across sign-in and sign-out, when the rest of the session is renewed (a guest's
# cart is merged into the account's at sign-in, see market.orders.views).
SESSION_KEYS_KEPT = ("lang", "cart")


def _renew_session() -> None:
    """Start a fresh session (no fixation) that keeps only the visitor's preferences."""
    kept = {key: session[key] for key in SESSION_KEYS_KEPT if key in session}
    session.clear()
    session.update(kept)


def _account_key() -> str:
    """Rate-limit key for one account: the email typed, whatever its case."""
    return "sign-in:" + services.normalise_email(request.form.get("email", ""))[:254]


def _failed(response) -> bool:
    # A successful sign-in redirects; only failures count towards the limits.
    return response.status_code != 302


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_LIMIT_PER_IP"], methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.profile"))
    form = RegisterForm(next=request.args.get("next"))
    if form.validate_on_submit():
        try:
            user = services.register_user(
                form.full_name.data, form.email.data, form.password.data, form.phone.data, select_locale()
            )
        except services.AccountError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            _renew_session()
            login_user(user)
            flash(_("Welcome, %(name)s! Your account is ready.", name=user.full_name), "success")
            return redirect(safe_next(form.next.data))
    return render_template("accounts/register.html", form=form)


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"], deduct_when=_failed)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
)
def login():
    if current_user.is_authenticated:
        return redirect_next()
    form = LoginForm(next=request.args.get("next"))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            _renew_session()
            login_user(user, remember=form.remember.data)
            services.record_sign_in(user)
            return redirect(safe_next(form.next.data))
        # Never tell whether the email exists.
        form.password.errors.append(_("The email or password is not correct."))
    return render_template("accounts/login.html", form=form)


@bp.route("/sign-out", methods=["POST"])
def logout():
    logout_user()
    _renew_session()
    flash(_("You have signed out."), "info")
    return redirect(url_for("catalog.home"))


@bp.app_context_processor
def message_counts() -> dict:
    return {"unread_messages": _unread_messages}


def _unread_messages() -> int:
    """Unread account messages of the signed-in user, counted once per request."""
    if not current_user.is_authenticated:
        return 0
    if "unread_messages" not in g:
        g.unread_messages = services.unread_count(current_user)
    return g.unread_messages


@bp.route("/messages")
@login_required
def messages():
    user = current_user._get_current_object()
    notifications = services.notifications_for(user)
    page = render_template("accounts/messages.html", notifications=notifications)
    services.mark_notifications_read(user)
    return page


@bp.route("/")
@login_required
def index():
    return redirect(url_for("accounts.profile"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.locale.data = user.locale or select_locale()
        form.phone.data = display_phone(user.phone)
    if form.validate_on_submit():
        services.update_profile(user, form.full_name.data, form.phone.data, form.locale.data)
        session["lang"] = form.locale.data
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    user = current_user._get_current_object()
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(user, form.current_password.data, form.password.data)
        except services.AccountError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            # The epoch changed: sign this session in again under the new one.
            _renew_session()
            login_user(user)
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/password.html", form=form)
