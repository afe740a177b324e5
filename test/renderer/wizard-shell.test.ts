// The wizard shell both wizards are built on, as a user drives it: the sidebar marks done and
// current steps, Next is refused (with the step's hint) while the step has a problem, Back
// goes back, the finish step shows Finish (refused while busy), pages after it show the
// wizard's own buttons; the summary table lists the choices in order.
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { defineComponent, h, ref } from 'vue';
import WizardShell from '../../renderer/src/components/wizard/WizardShell.vue';
import WizardSummary from '../../renderer/src/components/wizard/WizardSummary.vue';

const STEPS = ['Name', 'Size', 'Summary', 'Progress'];

function harness() {
  const step = ref(0);
  const problem = ref<string | null>('Enter a name.');
  const busy = ref(false);
  const events: string[] = [];
  const Host = defineComponent(() => () =>
    h(
      WizardShell,
      {
        title: 'New Thing',
        label: 'Thing wizard',
        steps: STEPS,
        stepProblem: problem.value,
        finishStep: 2,
        busy: busy.value,
        step: step.value,
        'onUpdate:step': (v: number) => (step.value = v),
        onCancel: () => events.push('cancel'),
        onFinish: () => events.push('finish'),
      },
      { default: () => h('p', { 'data-body': '' }, `body ${step.value}`), footer: () => h('button', { 'data-action': 'close' }, 'Close') },
    ),
  );
  return { wrapper: mount(Host), step, problem, busy, events };
}

describe('wizard shell', () => {
  it('goes forward only when the step has no problem, back on Back, and finishes on the finish step', async () => {
    const { wrapper, step, problem, busy, events } = harness();
    expect(wrapper.find('[role="dialog"]').attributes('aria-label')).toBe('Thing wizard');
    expect(wrapper.find('aside h2').text()).toBe('New Thing');
    expect(wrapper.findAll('li').map((li) => li.text())).toEqual(['1 Name', '2 Size', '3 Summary', '4 Progress']);
    expect(wrapper.find('h3').text()).toBe('Name');
    expect(wrapper.find('.hint').text()).toBe('Enter a name.');
    expect(wrapper.find('[data-action="back"]').attributes('disabled')).toBeDefined();
    expect(wrapper.find('[data-action="next"]').attributes('disabled')).toBeDefined();
    await wrapper.find('[data-action="next"]').trigger('click');
    expect(step.value).toBe(0);

    problem.value = null;
    await wrapper.vm.$nextTick();
    expect(wrapper.find('.hint').exists()).toBe(false);
    await wrapper.find('[data-action="next"]').trigger('click');
    expect(wrapper.find('h3').text()).toBe('Size');
    expect(wrapper.find('[data-body]').text()).toBe('body 1');
    expect(wrapper.find('li.done').text()).toBe('1 Name');
    expect(wrapper.find('li.current').text()).toBe('2 Size');
    await wrapper.find('[data-action="back"]').trigger('click');
    expect(step.value).toBe(0);
    await wrapper.find('[data-action="next"]').trigger('click');
    await wrapper.find('[data-action="next"]').trigger('click');
    expect(wrapper.find('h3').text()).toBe('Summary');
    expect(wrapper.find('[data-action="next"]').exists()).toBe(false);

    busy.value = true;
    await wrapper.vm.$nextTick();
    expect(wrapper.find('[data-action="finish"]').attributes('disabled')).toBeDefined();
    busy.value = false;
    await wrapper.vm.$nextTick();
    await wrapper.find('[data-action="finish"]').trigger('click');
    await wrapper.find('[data-action="cancel"]').trigger('click');
    expect(events).toEqual(['finish', 'cancel']);
    wrapper.unmount();
  });

  it('pages after the finish step show the wizard\'s own buttons and no hint', async () => {
    const { wrapper, step } = harness();
    step.value = 3;
    await wrapper.vm.$nextTick();
    expect(wrapper.find('h3').text()).toBe('Progress');
    expect(wrapper.find('.hint').exists()).toBe(false);
    expect(wrapper.findAll('footer button').map((b) => b.attributes('data-action'))).toEqual(['close']);
    wrapper.unmount();
  });

  it('the summary lists each choice as a term and its value, in order', () => {
    const wrapper = mount(WizardSummary, { props: { rows: [['Name', 'db01'], ['Memory', '1024 MB']] } });
    expect(wrapper.findAll('dt').map((x) => x.text())).toEqual(['Name', 'Memory']);
    expect(wrapper.findAll('dd').map((x) => x.text())).toEqual(['db01', '1024 MB']);
    wrapper.unmount();
  });
});
