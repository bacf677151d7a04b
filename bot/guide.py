"""The IME explainer as data: a small tree of screens the bot shows one at a time.

Every label and body is marked with ``N_`` so gettext extraction picks it up; the handler
translates it when it shows the screen. Bodies use Telegram HTML (``<b>`` and ``<i>`` only).
The tree starts at ``ROOT``; ``children`` gives the buttons of a screen, in order, and
``parent_of`` gives the screen a "Back" button returns to.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_


@dataclass(frozen=True)
class GuideScreen:
    """One screen of the explainer: a button label, a body and the screens it leads to."""

    key: str  # [a-z0-9_]{1,16}, unique, used in callback data
    label: str  # N_("...") short button label, max ~30 characters
    body: str  # N_("...") the screen's text
    children: tuple[str, ...] = ()


ROOT = "root"

SCREENS: dict[str, GuideScreen] = {
    s.key: s
    for s in (
        GuideScreen(
            key=ROOT,
            label=N_("About the IME"),
            body=N_(
                "<b>About the IME</b>\n\n"
                "IME stands for <i>independent medical examination</i>. "
                "This guide tells you what it is and what to expect, in plain words.\n\n"
                "Pick a topic below. Go at your own pace. "
                "You can stop and come back at any time."
            ),
            children=("what", "why", "who", "happens", "role", "rights", "faq"),
        ),
        GuideScreen(
            key="what",
            label=N_("What is an IME?"),
            body=N_(
                "<b>What is an IME?</b>\n\n"
                "An IME is a health check by a doctor or other health expert "
                "who does not treat you. Someone else asks for it, "
                "such as an insurer or an employer.\n\n"
                "In this guide, that expert is called <b>the examiner</b>. "
                "The examiner may be a doctor, a psychiatrist, a psychologist "
                "or another licensed health worker. They have not cared for you before.\n\n"
                "Their job is to give an <i>independent</i> opinion. "
                "That means a view from outside your own care team. "
                "They look at your health now, the care you have had, and what may help next.\n\n"
                "So an IME is not like a visit to your own doctor. "
                "The next topics explain how it is different."
            ),
        ),
        GuideScreen(
            key="why",
            label=N_("Why you may need one"),
            body=N_(
                "<b>Why you may be asked to have an IME</b>\n\n"
                "An IME helps answer questions about your health. For example:\n"
                "• What caused an injury or illness? How bad is it?\n"
                "• Do you need more treatment?\n"
                "• Can you do your job? Can you do your daily tasks?\n"
                "• How much does your health limit you?\n"
                "• Have you had the most help that treatment is likely to give?\n"
                "• Is a second opinion needed on what is wrong or on the care plan?\n"
                "• Can it help settle a disagreement about a workers' "
                "compensation or insurance claim?\n\n"
                "An IME is a common step in many claims and programmes. "
                "Being asked to have one is not a punishment."
            ),
        ),
        GuideScreen(
            key="who",
            label=N_("Who asks for an IME?"),
            body=N_(
                "<b>Who may ask for an IME</b>\n\n"
                "People rarely ask for an IME for themselves. "
                "Most of the time, someone else asks. It may be:\n"
                "• an insurance company, for example after a work injury, "
                "a car crash or a disability claim.\n"
                "• your employer.\n"
                "• the body that licenses your work, often called a college or board.\n"
                "• a programme that helps health workers with an addiction or other "
                "health problem.\n"
                "• a lawyer, in a case about an injury.\n\n"
                "The one who asks usually picks the examiner and pays for the exam.\n\n"
                "Not sure who asked for yours? You can ask the company that booked it. "
                "You can also ask your lawyer, union or case manager."
            ),
        ),
        GuideScreen(
            key="happens",
            label=N_("What happens at an IME"),
            body=N_(
                "<b>What happens at an IME</b>\n\n"
                "An IME often has two parts:\n"
                "• A <b>records review</b>. The examiner reads about your health "
                "and your care so far.\n"
                "• An <b>exam</b>. The examiner meets you and asks questions. "
                "They may check your body, your mind, or both.\n\n"
                "It can take several hours. Plan for a long day, with time to rest after.\n\n"
                "Pick a part below to learn more."
            ),
            children=("records", "exam", "topics"),
        ),
        GuideScreen(
            key="records",
            label=N_("Your records"),
            body=N_(
                "<b>Your records</b>\n\n"
                "The examiner usually asks your health providers for your records. "
                "These can include test results, clinic notes and hospital papers.\n\n"
                "You may be asked to sign a form that lets them get your records. "
                "If you are not sure about a form, ask your lawyer, union "
                "or case manager before you sign.\n\n"
                "Sometimes the examiner orders new tests of their own. "
                "They may also ask to talk with your family or with people you work with. "
                "This helps them see the whole picture.\n\n"
                "<b>Tip:</b> write a short timeline before the day. "
                "Note key dates for your health, your care and your work. "
                "Start early, so you can add things as you remember them."
            ),
        ),
        GuideScreen(
            key="exam",
            label=N_("The exam itself"),
            body=N_(
                "<b>The exam itself</b>\n\n"
                "It may be a <b>physical</b> exam, a <b>psychiatric</b> exam "
                "(about your mental health), or both. "
                "It can be in an office, by video or by phone.\n\n"
                "The examiner will ask a lot of questions. "
                "They may ask about your health, your work, your relationships, "
                "and your past. In a physical exam, they may check how you move.\n\n"
                "It can take several hours. You can ask for a short break.\n\n"
                "<b>Tips</b>\n"
                "• Leave an extra hour to get there, so you do not feel rushed.\n"
                "• Dress as you would for a job interview, even by video. "
                "It can help you feel ready.\n"
                "• For video or phone, find a quiet spot. Turn off your phone's sound "
                "and close other windows."
            ),
        ),
        GuideScreen(
            key="topics",
            label=N_("Hard subjects"),
            body=N_(
                "<b>Hard subjects</b>\n\n"
                "The exam may touch on painful things. "
                "This can include past trauma, your mental health, "
                "alcohol or drug use, or things you have never told anyone.\n\n"
                "Examiners are used to hearing all of this. "
                "They have heard many stories like yours.\n\n"
                "It is normal to feel tired or upset after. "
                "Plan something gentle for later. Rest, take a walk, "
                "or talk with a friend who will not judge you.\n\n"
                "If the exam stays on your mind, reach out for help. "
                "This bot can help you plan for after the exam."
            ),
        ),
        GuideScreen(
            key="role",
            label=N_("The examiner's role"),
            body=N_(
                "<b>The examiner is not your doctor</b>\n\n"
                "The examiner has a duty to you, but it is limited. "
                "They also have a duty to the one who asked for the exam and pays for it.\n\n"
                "This means:\n"
                "• They will not treat you or give you a prescription.\n"
                "• They may suggest care in their report. These are only ideas "
                "for your own doctors, who decide with you.\n"
                "• Their report may be used to decide on your claim. "
                "Sometimes a claim is turned down after an IME.\n\n"
                "One thing does not change. If a risk of serious harm to you or to "
                "others comes up, the examiner must act. They will ask about it "
                "and help you get care. This is to keep people safe.\n\n"
                "Questions about how the report will be used? "
                "Ask your lawyer, union or case manager."
            ),
        ),
        GuideScreen(
            key="rights",
            label=N_("Your rights"),
            body=N_(
                "<b>Your rights</b>\n\n"
                "In general, you can expect to:\n"
                "• know why the exam is done, what it involves and who asked for it.\n"
                "• be treated with respect and dignity.\n"
                "• have your health facts kept private, within the limits of the exam.\n"
                "• ask for a copy of the report.\n"
                "• ask if a support person, a friend or an interpreter may come.\n"
                "• ask questions.\n\n"
                "The exact rules are not the same everywhere. They depend on where you "
                "live, on the programme, and on who ordered the exam.\n\n"
                "This guide does not give legal advice. The next screen says whom to ask."
            ),
            children=("whom_to_ask",),
        ),
        GuideScreen(
            key="whom_to_ask",
            label=N_("Who can answer my questions"),
            body=N_(
                "<b>Who can answer your questions</b>\n\n"
                "To learn which rules apply to you, you can ask:\n"
                "• the company or office that booked the exam.\n"
                "• your lawyer, if you have one.\n"
                "• your union.\n"
                "• your case manager, or the contact person at your programme.\n"
                "• your own doctor, for questions about your health.\n\n"
                "It helps to ask well before the day, and in writing if you can. "
                "Keep a note of who answered and what they said.\n\n"
                "Write your questions down as they come to you, so you do not forget them."
            ),
        ),
        GuideScreen(
            key="faq",
            label=N_("Common questions"),
            body=N_(
                "<b>Common questions</b>\n\n"
                "Here are short answers to questions people often ask. Pick one below.\n\n"
                "The rules are not the same everywhere. If you are not sure, "
                "ask the company that booked the exam, your lawyer, union or case manager."
            ),
            children=(
                "faq_someone",
                "faq_treat",
                "faq_report",
                "faq_interpreter",
                "faq_upset",
                "faq_refuse",
                "faq_bring",
                "faq_answer",
            ),
        ),
        GuideScreen(
            key="faq_someone",
            label=N_("Can I bring someone?"),
            body=N_(
                "<b>Can I bring someone?</b>\n\n"
                "It depends. Some places let a support person or a friend come into "
                "the room. Some let them stay only in the waiting room. "
                "Others do not allow anyone.\n\n"
                "Ask the company that booked the exam well before the day. "
                "Your lawyer, union or case manager can also tell you what applies to you.\n\n"
                "Even if no one can come in, someone can take you there, "
                "wait for you, or call you after."
            ),
        ),
        GuideScreen(
            key="faq_treat",
            label=N_("Will the examiner treat me?"),
            body=N_(
                "<b>Will the examiner treat me?</b>\n\n"
                "No. The examiner does not become your doctor. "
                "They will not treat you or give you a prescription.\n\n"
                "They may suggest care in their report. These are only ideas. "
                "You and your own doctors decide what to do.\n\n"
                "There is one exception. If a risk of serious harm comes up, "
                "the examiner will help you get care.\n\n"
                "Keep seeing your own care team as usual. Take your health questions to them."
            ),
        ),
        GuideScreen(
            key="faq_report",
            label=N_("Can I get the report?"),
            body=N_(
                "<b>Can I get a copy of the report?</b>\n\n"
                "You can ask for one. Whether you get it, and how, depends on where "
                "you live and who ordered the exam. "
                "Sometimes it goes to your lawyer or your doctor first.\n\n"
                "To ask for it:\n"
                "• contact the company that booked the exam, or the one who ordered it.\n"
                "• or ask your lawyer, union or case manager to ask for you.\n\n"
                "The report may take some time to be ready. "
                "If you think something in it is wrong, ask your lawyer, union or "
                "case manager what you can do."
            ),
        ),
        GuideScreen(
            key="faq_interpreter",
            label=N_("Need an interpreter?"),
            body=N_(
                "<b>What if I need an interpreter?</b>\n\n"
                "It matters that you understand every question, and that you are "
                "understood. If you are more at ease in another language, or you use "
                "sign language, ask for an interpreter.\n\n"
                "Ask early, as soon as the exam is booked. "
                "Ask who will find the interpreter and who will pay. "
                "Ask too if a family member may help, or if it must be a trained "
                "interpreter.\n\n"
                "The company that booked the exam can answer. "
                "Your lawyer, union or case manager can help you ask."
            ),
        ),
        GuideScreen(
            key="faq_upset",
            label=N_("What if I feel upset?"),
            body=N_(
                "<b>What if I feel upset during or after?</b>\n\n"
                "That is a normal reaction. An IME can be long and touch on hard things.\n\n"
                "<b>During the exam</b>\n"
                "• You can ask for a short break.\n"
                "• You can tell the examiner how you feel.\n"
                "• Breathe slowly. Keep some water with you.\n\n"
                "<b>After the exam</b>\n"
                "• Use your aftercare plan. Rest, take a walk, or call a friend "
                "who will not judge you.\n"
                "• Tell your sponsor, your group or your counsellor, if you have one.\n"
                "• This bot can help you make a plan or reach a person.\n\n"
                "If you feel unsafe, or have thoughts of harming yourself, "
                "please get help now. Call your local emergency number or a crisis line."
            ),
        ),
        GuideScreen(
            key="faq_refuse",
            label=N_("Can I refuse or reschedule?"),
            body=N_(
                "<b>Can I refuse or change the date?</b>\n\n"
                "Take care here. Saying no, or missing the exam, can affect your claim, "
                "your benefits or your licence. The rules depend on where you live "
                "and who ordered the exam.\n\n"
                "Before you cancel or say no, talk to your lawyer, union or case manager.\n\n"
                "Need a new date? For example, you may be sick or have no one to watch "
                "your children. Tell the company that booked the exam as early as you can. "
                "Ask them to confirm the new date in writing."
            ),
        ),
        GuideScreen(
            key="faq_bring",
            label=N_("What should I bring?"),
            body=N_(
                "<b>What should I bring?</b>\n\n"
                "Your booking letter may say what to bring. If not, ask the company "
                "that booked the exam. Common things are:\n"
                "• photo ID and the booking letter.\n"
                "• glasses, hearing aids, or aids you use, like a cane or a brace.\n"
                "• a list of your medicines and your doctors.\n"
                "• your timeline of key dates, and a copy for the examiner if you like.\n"
                "• water, a snack, and any medicine you need during the day.\n"
                "• a short list of your own questions.\n\n"
                "If there is a physical exam, wear clothes that are easy to move in."
            ),
        ),
        GuideScreen(
            key="faq_answer",
            label=N_("Must I answer every question?"),
            body=N_(
                "<b>Do I have to answer every question?</b>\n\n"
                "You may ask why a question is asked. "
                "If a question is not clear, you may ask the examiner to say it "
                "another way.\n\n"
                "Be honest. If you do not know or do not remember, it is fine to say so.\n\n"
                "Whether you can skip a question depends on the rules for your exam. "
                "Not answering may affect your claim. "
                "Before the day, ask your lawyer, union or case manager what applies to you."
            ),
        ),
    )
}

_PARENTS: dict[str, str] = {
    child: screen.key for screen in SCREENS.values() for child in screen.children
}


def parent_of(key: str) -> str | None:
    """Return the screen whose children include ``key`` (``None`` for ROOT or an unknown key)."""
    return _PARENTS.get(key)
